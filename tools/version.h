/* The one version string of l2sim: `l2sim --version` prints it, and every report
 * that names a version uses this macro. */
#ifndef L2SIM_TOOLS_VERSION_H
#define L2SIM_TOOLS_VERSION_H

#define L2SIM_VERSION "0.1.0"

#endif

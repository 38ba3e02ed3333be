/* STUB (issue 15 skeleton): rollups[] of SPEC section 11. */
#include "scn_internal.h"

void scn_load_rollups(struct scn_vctx *v, const cJSON *arr) { (void)arr; scn_verr(v, "rollups are not implemented yet"); }
void scn_free_rollups(struct scenario *s) { (void)s; }

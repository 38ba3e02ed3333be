/* STUB (issue 15 skeleton): sidechains[] of SPEC section 11. */
#include "scn_internal.h"

void scn_load_sidechains(struct scn_vctx *v, const cJSON *arr) { (void)arr; scn_verr(v, "sidechains are not implemented yet"); }
void scn_free_sidechains(struct scenario *s) { (void)s; }

/* STUB (issue 15 skeleton): SPEC section 11's actions, via, expectations. */
#include "scn_internal.h"

const char *scn_via_str(enum scn_via v)
{
	static const char *const names[] = { "channels", "l1", "rollup", "sidechain" };
	return (unsigned)v < 4 ? names[v] : "?";
}
const char *scn_rollup_kind_str(enum scn_rollup_kind k)
{
	return k == SCN_ROLLUP_OPTIMISTIC ? "optimistic" : k == SCN_ROLLUP_VALIDITY ? "validity" : "?";
}
void scn_load_scheme_action(struct scn_vctx *v, const cJSON *a, struct scn_action *act)
{
	(void)a; (void)act;
	scn_verr(v, "SPEC section 11 is not implemented yet");
}
void scn_load_expect_schemes(struct scn_vctx *v, const cJSON *j) { (void)j; scn_verr(v, "not implemented yet"); }
void scn_load_expect_rollups(struct scn_vctx *v, const cJSON *j) { (void)j; scn_verr(v, "not implemented yet"); }
void scn_load_expect_sidechains(struct scn_vctx *v, const cJSON *j) { (void)j; scn_verr(v, "not implemented yet"); }
void scn_note_schemes(struct scn_vctx *v) { (void)v; }
void scn_free_schemes(struct scenario *s) { (void)s; }

/* The `workload` section. */
#include "scn_internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

static const char *const WORKLOAD_KEYS[] = { "kind", "rate_per_s", "channels", "from_block", "to_block",
					     "amount", "routed", "parties", "via", NULL };
static const char *const TRACE_KEYS[] = { "kind", "file", "from_block", NULL };

/* The "parties" of a routed workload, or of one with a via other than channels (SPEC
 * section 11): "all" or distinct names; at least two either way. */
static void load_parties(struct scn_vctx *v, const cJSON *j, struct scn_workload *wl)
{
	const struct scenario *s = v->s;
	if (cJSON_IsString(j) && strcmp(j->valuestring, "all") == 0) {
		wl->all_parties = true;
		if (s->nparties < 2)
			scn_verr(v, "a %s workload needs at least two parties (the scenario has %u)",
			 wl->routed ? "routed" : "via", s->nparties);
		return;
	}
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) < 2) {
		scn_verr(v, "must be \"all\" or an array of at least two party names (got %s)", scn_type_name(j));
		return;
	}
	if (!scn_array_within(v, j, SCN_MAX_PARTIES, "party names"))
		return;
	bool ok; /* a problem is reported; the file is refused */
	int np = cJSON_GetArraySize(j);
	wl->parties = scn_party_names(v, j, &ok);
	wl->nparties = (uint32_t)np;
}

static void load_trace_workload(struct scn_vctx *v, const cJSON *w, struct scn_workload *wl)
{
	size_t old;
	const cJSON *j;
	wl->kind = SCN_WL_TRACE;
	wl->routed = true;
	scn_check_keys(v, w, TRACE_KEYS);
	scn_require(v, w, "file");
	scn_require(v, w, "from_block");
	bool ok = cJSON_GetObjectItemCaseSensitive(w, "from_block") != NULL;
	if ((j = scn_enter(v, w, "from_block", &old))) {
		ok = scn_as_uint(v, j, 0, MAX_BLOCK, &wl->from_block);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, w, "file", &old))) {
		wl->file = scn_input_file(v, j, SCN_MAX_TRACE_FILE_BYTES);
		if (wl->file && ok)
			scn_load_trace(v, wl);
		scn_leave(v, old);
	}
}

void scn_load_workload(struct scn_vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		scn_verr(v, "must be an array of workloads (got %s)", scn_type_name(arr));
		return;
	}
	if (!scn_array_within(v, arr, SCN_MAX_WORKLOADS, "workloads"))
		return;
	int n = cJSON_GetArraySize(arr);
	s->workload = xcalloc((size_t)n + 1, sizeof(*s->workload));
	size_t idx = 0;
	for (const cJSON *w = arr->child; w; w = w->next, idx++) {
		size_t o1 = scn_path_push_index(v, idx), old;
		struct scn_workload *wl = &s->workload[idx];
		const cJSON *j;
		s->nworkload = (uint32_t)idx + 1;
		if (!cJSON_IsObject(w)) {
			scn_verr(v, "must be an object (got %s)", scn_type_name(w));
			scn_path_pop(v, o1);
			continue;
		}
		if ((j = scn_enter(v, w, "kind", &old))) {
			static const char *const c[] = { "poisson", "trace", NULL };
			int k = scn_as_choice(v, j, c);
			if (k == 1)
				scn_note_routing(v);
			scn_leave(v, old);
			if (k == 1) {
				load_trace_workload(v, w, wl);
				scn_path_pop(v, o1);
				continue;
			}
		}
		scn_check_keys(v, w, WORKLOAD_KEYS);
		if ((j = scn_enter(v, w, "routed", &old))) {
			scn_note_routing(v);
			(void)scn_as_bool(v, j, &wl->routed);
			scn_leave(v, old);
		}
		/* SPEC section 11: via; with any via but channels, parties instead of channels.
		 * A workload with a via may name both (the other is checked and unused), so
		 * that --set workload.N.via=... replays one demand through each scheme. */
		bool by_parties = wl->routed, has_via = !wl->routed && cJSON_GetObjectItemCaseSensitive(w, "via");
		if ((j = scn_enter(v, w, "via", &old))) {
			if (wl->routed)
				scn_verr(v, "a workload names either \"routed\" or \"via\", not both");
			else if (scn_via_ref(v, j, wl) && wl->via != SCN_VIA_CHANNELS)
				by_parties = true;
			scn_leave(v, old);
		}
		static const char *const req[] = { "kind", "rate_per_s", "from_block", "to_block", "amount", NULL };
		for (const char *const *r = req; *r; r++)
			scn_require(v, w, *r);
		scn_require(v, w, by_parties ? "parties" : "channels");
		if (wl->routed && (j = scn_enter(v, w, "channels", &old))) {
			scn_verr(v, "a routed workload names \"parties\", not channels");
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, w, "parties", &old))) {
			if (!by_parties && !has_via)
				scn_verr(v, "parties applies to routed workloads (add \"routed\": true) and to a via other than "
					    "channels");
			else
				load_parties(v, j, wl);
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, w, "rate_per_s", &old))) {
			(void)scn_as_number(v, j, 0, 1e8, &wl->rate_per_s);
			scn_leave(v, old);
		}
		if (!wl->routed && (j = scn_enter(v, w, "channels", &old))) {
			if (cJSON_IsString(j) && strcmp(j->valuestring, "all") == 0) {
				wl->all_channels = true;
			} else if (cJSON_IsArray(j) && cJSON_GetArraySize(j) > 0 &&
				   scn_array_within(v, j, SCN_MAX_CHANNELS, "channel ids")) {
				int nc = cJSON_GetArraySize(j);
				wl->channels = xcalloc((size_t)nc, sizeof(uint32_t));
				size_t k = 0;
				for (const cJSON *c = j->child; c; c = c->next, k++) {
					size_t o2 = scn_path_push_index(v, k);
					wl->channels[k] = scn_channel_ref(v, c);
					scn_path_pop(v, o2);
				}
				wl->nchannels = (uint32_t)nc;
			} else if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0) {
				scn_verr(v, "must be \"all\" or a non-empty array of channel ids (got %s)", scn_type_name(j));
			}
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, w, "from_block", &old))) {
			(void)scn_as_uint(v, j, 0, MAX_BLOCK, &wl->from_block);
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, w, "to_block", &old))) {
			if (scn_as_uint(v, j, 0, MAX_BLOCK, &wl->to_block) && wl->to_block < wl->from_block)
				scn_verr(v, "must not be before from_block (%llu)", (unsigned long long)wl->from_block);
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, w, "amount", &old))) {
			if (!cJSON_IsObject(j)) {
				scn_verr(v, "must be an object {\"min\": amount, \"max\": amount} (got %s)", scn_type_name(j));
			} else {
				static const char *const k[] = { "min", "max", NULL };
				scn_check_keys(v, j, k);
				scn_require(v, j, "min");
				scn_require(v, j, "max");
				size_t o2;
				const cJSON *m;
				bool okmin = false, okmax = false;
				if ((m = scn_enter(v, j, "min", &o2))) {
					okmin = scn_as_amount(v, m, &wl->min);
					if (okmin && wl->min.units == 0)
						scn_verr(v, "a payment must be at least 1");
					scn_leave(v, o2);
				}
				if ((m = scn_enter(v, j, "max", &o2))) {
					okmax = scn_as_amount(v, m, &wl->max);
					if (okmin && okmax && wl->max.units < wl->min.units)
						scn_verr(v, "must not be below min");
					scn_leave(v, o2);
				}
			}
			scn_leave(v, old);
		}
		scn_path_pop(v, o1);
	}
	s->nworkload = (uint32_t)n;
}

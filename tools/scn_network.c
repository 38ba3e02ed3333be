/* The `network` section: a channel graph imported from CLoTH's CSVs or lnd's
 * describegraph JSON (tools/import.h). Imported node k becomes party n<k>, channel j
 * channel ch<j>; each side's balance is its party's deposit, and each party's L1
 * balance is `balance` plus its deposits (the opens at `open_at` move them). */
#include "scn_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "l1sim/util.h"

const char *scn_net_format_str(enum scn_net_format f)
{
	return f == SCN_NET_LND ? "lnd" : f == SCN_NET_CLOTH ? "cloth" : "?";
}

char *scn_resolve_path(const struct scenario *s, const char *rel)
{
	const char *slash = strrchr(s->file, '/');
	if (rel[0] == '/' || !slash)
		return xstrdup(rel);
	size_t dl = (size_t)(slash - s->file) + 1, rl = strlen(rel);
	char *p = xmalloc(dl + rl + 1);
	memcpy(p, s->file, dl);
	memcpy(p + dl, rel, rl + 1);
	return p;
}

char *scn_input_file(struct scn_vctx *v, const cJSON *j, unsigned long long max_bytes)
{
	char *path = NULL;
	const char *rel = scn_as_string(v, j);
	if (rel && (!rel[0] || strlen(rel) > 4096))
		scn_verr(v, "must be a file name of 1 to 4096 characters");
	else if (rel) {
		path = scn_resolve_path(v->s, rel);
		struct stat st;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			scn_verr(v, "cannot read \"%s\" (no such regular file)", scn_show(path, 100));
			free(path);
			path = NULL;
		} else if ((unsigned long long)st.st_size > max_bytes) {
			scn_verr(v, "\"%s\" has %llu bytes, above the limit of %llu MiB", scn_show(path, 100),
				 (unsigned long long)st.st_size, max_bytes >> 20);
			free(path);
			path = NULL;
		}
	}
	return path;
}

/* The file named at obj.key, or NULL (reported). */
static char *file_key(struct scn_vctx *v, const cJSON *obj, const char *key)
{
	size_t old;
	const cJSON *j = scn_enter(v, obj, key, &old);
	if (!j)
		return NULL;
	char *path = scn_input_file(v, j, SCN_MAX_GRAPH_FILE_BYTES);
	scn_leave(v, old);
	return path;
}

static const char *const NETWORK_KEYS[] = { "format", "nodes", "channels", "edges", "file", "split",
					    "open_at", "balance", NULL };

void scn_load_network(struct scn_vctx *v, const cJSON *n)
{
	struct scenario *s = v->s;
	struct scn_network *net = &s->network;
	size_t old;
	const cJSON *j;
	scn_note_routing(v);
	if (!cJSON_IsObject(n)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(n));
		return;
	}
	scn_check_keys(v, n, NETWORK_KEYS);
	scn_require(v, n, "format");
	int format = -1;
	if ((j = scn_enter(v, n, "format", &old))) {
		static const char *const c[] = { "cloth", "lnd", NULL };
		format = scn_as_choice(v, j, c);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, n, "open_at", &old))) {
		(void)scn_as_uint(v, j, 0, MAX_BLOCK, &net->open_at);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, n, "balance", &old))) {
		(void)scn_as_amount(v, j, &net->balance);
		scn_leave(v, old);
	}
	/* The keys of the other format are typos of this one's. */
	static const char *const cloth_only[] = { "nodes", "channels", "edges", NULL };
	static const char *const lnd_only[] = { "file", "split", NULL };
	const char *const *wrong = format == 0 ? lnd_only : format == 1 ? cloth_only : NULL;
	for (size_t i = 0; wrong && wrong[i]; i++)
		if ((j = scn_enter(v, n, wrong[i], &old))) {
			scn_verr(v, "not a key of format \"%s\"", format == 0 ? "cloth" : "lnd");
			scn_leave(v, old);
		}
	if (format == 0)
		for (int k = 0; k < 3; k++)
			scn_require(v, n, cloth_only[k]);
	if (format == 1)
		scn_require(v, n, "file");
	if ((j = scn_enter(v, n, "split", &old))) {
		static const char *const c[] = { "half", "node1", NULL };
		net->split_node1 = scn_as_choice(v, j, c) == 1;
		scn_leave(v, old);
	}
	if (format < 0)
		return;
	size_t before = v->nerrs + v->dropped;
	if (format == 0)
		for (int k = 0; k < 3; k++)
			net->files[k] = file_key(v, n, cloth_only[k]);
	else
		net->files[0] = file_key(v, n, "file");
	if (v->nerrs + v->dropped != before)
		return;
	net->format = (enum scn_net_format)format;
	struct import_graph g = { 0 };
	char err[IMPORT_ERR_LEN];
	enum import_result r = format == 0
				       ? import_cloth(net->files[0], net->files[1], net->files[2], &g, err)
				       : import_lnd(net->files[0], net->split_node1 ? IMPORT_SPLIT_NODE1 : IMPORT_SPLIT_HALF,
						    &g, err);
	if (r != IMPORT_OK) {
		/* err names the file and line:column or JSON path; control characters of
		 * the file's text are escaped before they reach a terminal. */
		scn_verr(v, "%s", scn_show(err, IMPORT_ERR_LEN));
		return;
	}
	if (g.nnodes > SCN_MAX_IMPORTED || g.nchannels > SCN_MAX_IMPORTED ||
	    s->nparties > SCN_MAX_IMPORTED - g.nnodes) {
		scn_verr(v, "the graph has %u nodes and %u channels, above the limit of %u each", g.nnodes,
			 g.nchannels, SCN_MAX_IMPORTED);
		import_graph_free(&g);
		return;
	}
	/* Each party's L1 balance: `balance` plus everything it deposits. */
	uint32_t nexp = s->nparties;
	struct amount *bal = xcalloc((size_t)g.nnodes + 1, sizeof(*bal));
	for (uint32_t k = 0; k < g.nnodes; k++)
		bal[k] = net->balance;
	bool over = false;
	for (uint32_t c = 0; c < g.nchannels && !over; c++)
		for (int d = 0; d < 2; d++)
			over = over || !amount_add_to(&bal[g.channels[c].node[d]], g.channels[c].balance[d]);
	if (over) {
		scn_verr(v, "a party's balance plus its deposits pass 18446744073709551615");
		free(bal);
		import_graph_free(&g);
		return;
	}
	for (uint32_t i = 0; i < nexp; i++) {
		uint32_t k;
		if (s->parties[i].name && scn_prefixed_name(s->parties[i].name, "n", g.nnodes, &k)) {
			char where[48];
			snprintf(where, sizeof(where), "parties[%u].name", i);
			scn_verr_at(v, where, "\"%s\" is also the name of an imported party (the network has %u nodes)",
				    s->parties[i].name, g.nnodes);
		}
	}
	s->parties = xreallocarray(s->parties, (size_t)nexp + g.nnodes + 1, sizeof(*s->parties));
	for (uint32_t k = 0; k < g.nnodes; k++) {
		char name[16];
		snprintf(name, sizeof(name), "n%u", k);
		s->parties[nexp + k] = (struct scn_party){ .name = xstrdup(name), .balance = bal[k],
							   .policy = scn_policy_default() };
	}
	free(bal);
	for (uint32_t c = 0; c < g.nchannels; c++)
		for (int d = 0; d < 2; d++)
			g.channels[c].node[d] += nexp;
	net->first_party = nexp;
	net->nnodes = g.nnodes;
	net->nchannels = g.nchannels;
	net->channels = g.channels;
	s->nparties = nexp + g.nnodes;
	net->present = true;
}

/* After the explicit channels: ch<j> is scenario channel first_channel + j. */
void scn_place_network(struct scenario *s)
{
	s->network.first_channel = s->nchannels;
	s->nchannels += s->network.nchannels;
	s->network.placed = true;
}

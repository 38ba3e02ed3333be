#include "result.h"

const char *l1_result_str(enum l1_result r)
{
	switch (r) {
	case L1_OK: return "ok";
	case L1_ERR_NO_FUNDS: return "insufficient funds";
	case L1_ERR_OVERFLOW: return "amount overflow";
	case L1_ERR_NO_SUCH_ACCOUNT: return "no such account";
	case L1_ERR_NO_SUCH_CHANNEL: return "no such channel";
	case L1_ERR_NOT_MEMBER: return "submitter is not a party of the channel";
	case L1_ERR_NOT_OPENER: return "only the channel's first party may open it";
	case L1_ERR_ALREADY_OPEN: return "channel was already opened";
	case L1_ERR_NOT_OPEN: return "channel is not open";
	case L1_ERR_NO_DISPUTE: return "no dispute window is open";
	case L1_ERR_STALE_SEQ: return "sequence number not above the registered one";
	case L1_ERR_BAD_SIGNATURE: return "invalid signature";
	case L1_ERR_BAD_STATE: return "malformed state";
	case L1_ERR_BAD_PARAMS: return "invalid parameters";
	case L1_ERR_SUPPLY_OVERFLOW: return "total supply would exceed 2^64-1";
	case L1_ERR_NO_SUCH_CONTRACT: return "no such contract";
	case L1_ERR_NO_SUCH_OP: return "no such operation";
	case L1_ERR_BAD_PROOF: return "the batch's validity proof does not verify";
	case L1_ERR_BATCH_ORDER: return "a rollup batch out of order";
	case L1_ERR_NOT_OPERATOR: return "a rollup batch from another than its operator";
	case L1_ERR_NOT_CHALLENGEABLE: return "the batch is not included, or already final or reverted";
	case L1_ERR_NO_FRAUD: return "the batch committed no fraud";
	case L1_ERR_HTLC_PENDING: return "the state holds an HTLC";
	case L1_ERR_NO_SUCH_HTLC: return "no such HTLC in the registered state";
	case L1_ERR_NOT_PAYEE: return "submitter is not the HTLC's payee";
	case L1_ERR_HTLC_RESOLVED: return "HTLC already claimed or paid out";
	case L1_ERR_HTLC_EXPIRED: return "HTLC has expired";
	case L1_ERR_BAD_PREIMAGE: return "preimage does not match the payment hash";
	case L1_ERR_PEG_QUORUM: return "fewer valid federation signatures than the threshold";
	case L1_ERR_PEG_REPLAY: return "release number already paid";
	case L1_ERR_PEG_SHORT: return "the peg holds less than the amount";
	}
	return "unknown error";
}

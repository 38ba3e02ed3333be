/* The outcome of a Layer2 operation: l2's own enum, apart from l1_result. */
#ifndef L2SIM_L2_RESULT_H
#define L2SIM_L2_RESULT_H


enum l2_result {
	L2_OK = 0,
	L2_ERR_NOT_USABLE,       /* not yet open, or a close of it was submitted */
	L2_ERR_NOT_MEMBERS,      /* from/to are not two distinct parties of the channel */
	L2_ERR_OFFLINE,          /* a party that must act or sign is offline */
	L2_ERR_NO_FUNDS,         /* from has less than amount spendable */
	L2_ERR_ZERO_AMOUNT,
	L2_ERR_OVERFLOW,
	L2_ERR_BAD_SIGNATURE,    /* a party refused a state whose signatures do not verify */
	L2_ERR_ALREADY_OPENED,   /* open of a channel whose open was submitted */
	L2_ERR_NOT_OPEN_ON_L1,   /* close before the open tx is included */
	L2_ERR_CLOSE_SUBMITTED,  /* close of a channel already being closed */
	L2_ERR_FUTURE_STATE,     /* a unilateral close with a seq above the latest */
	L2_ERR_STATE_NOT_KEPT,   /* an old state nobody asked to keep */
	L2_ERR_TAMPER_COOP,      /* tamper is for unilateral closes only */
	L2_ERR_HTLC_PENDING,     /* a cooperative close while the latest state holds an HTLC */
	L2_ERR_NOT_TWO_PARTY,    /* HTLCs are for two-party channels only */
	L2_ERR_NO_SUCH_HTLC,     /* the latest state holds no HTLC of that id */
	L2_ERR_BAD_PREIMAGE,     /* the preimage does not hash to the HTLC's payment hash */
};
const char *l2_result_str(enum l2_result r);

#endif

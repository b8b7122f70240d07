// Ack links, shared by the worker (which signs them into its messages) and the intake (which verifies them).
export { ACK_SECRET_MIN_BYTES, ACK_TOKEN_MAX_LENGTH, ackLink, ackSecretProblem, signAckToken, verifyAckToken, type AckClaims, type AckTokenCheck } from './token';
export { SHORT_ACK_TOKEN_MAX_LENGTH, signShortAckToken, verifyShortAckToken } from './short';
export type { AckLinkSettings } from './settings';

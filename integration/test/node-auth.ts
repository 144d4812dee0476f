/**
 * The header a test sends when it calls a node's traffic port itself (as a
 * client stuck on an old leader would through a gateway): nodes let only
 * callers holding the stack's hop secret in.
 */
export function nodeAuth(stack: { readonly internalToken: string }): { authorization: string } {
  return { authorization: `Bearer ${stack.internalToken}` };
}

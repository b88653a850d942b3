/**
 * The ratchet tree (RFC 9420 Sections 4 and 7): tree math (Appendix C), parent and leaf nodes
 * (7.1, 7.2) and leaf validation (7.3), the tree and its changes ({@code RatchetTree}, 7.7),
 * tree hashes ({@code TreeHashes}, 7.8), parent hashes ({@code ParentHashes}, 7.9), the checks of
 * a whole tree ({@code TreeValidator}, 12.4.3.1), and TreeKEM with its UpdatePath (7.4 to 7.6).
 */
package org.parley.mls.tree;

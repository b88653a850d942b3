/**
 * The hostile-server suite of issue 12: a real server behind {@link org.parley.client.testkit.HostileServer}
 * and its own database in the hands of the operator, against real clients. Each test makes one attack
 * and checks that no plaintext reaches the attacker and that the user sees a specific warning.
 */
package org.parley.client.hostile;

/**
 * The operator's read-only view: every stored row about one account, found from the schema (the
 * lawful request output of {@code parley admin disclose}) and counts for {@code parley admin stats}.
 * {@link org.parley.server.admin.AdminStore} with its SQL adapter {@link org.parley.server.admin.JdbcAdminStore}.
 */
package org.parley.server.admin;

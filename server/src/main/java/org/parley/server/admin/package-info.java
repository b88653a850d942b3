/**
 * The operator's read-only view: what the server holds about one account (the lawful request
 * output of {@code parley admin disclose}) and counts for {@code parley admin stats}.
 * {@link org.parley.server.admin.AdminStore} with its SQL adapter {@link org.parley.server.admin.JdbcAdminStore}.
 */
package org.parley.server.admin;

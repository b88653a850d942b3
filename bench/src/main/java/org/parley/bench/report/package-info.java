/**
 * {@code parley bench report}: turns the load generator's JSON lines into the Markdown table of
 * {@code bench/RESULTS.md} (between its markers) and the PNG chart.
 */
package org.parley.bench.report;

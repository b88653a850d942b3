package org.parley.bench.spam;

/**
 * What one {@code bench spam} run does.
 *
 * @param bots          bot accounts, each registered with an invite code on an invite-only server
 * @param honest        honest users, who write to each other sealed
 * @param oldContacts   bots that hold the honest users' access keys from before (old contacts) and
 *                      send sealed with send tokens they obtained as any account does
 * @param inviteOnly    the server (when this run starts it) requires invite codes
 * @param honestRate    messages/s the honest users send altogether
 * @param botRate       messages/s each bot sends
 * @param phaseSeconds  length of each of the four phases (calm, unsealed wave, sealed wave, blocked)
 * @param tokensPerBot  send tokens each old-contact bot gets at a time
 * @param drainSeconds  longest wait at the end for honest messages still in flight
 * @param heapBoundMiB  the bound the heap after a full GC must stay within (in-process server only)
 * @param sendTokensPerDay the daily send-token allowance per account of a server this run starts
 * @param threads       event-loop threads of the generator
 */
public record SpamConfig(int bots, int honest, int oldContacts, boolean inviteOnly, double honestRate, double botRate,
                         int phaseSeconds, int tokensPerBot, int drainSeconds, int heapBoundMiB, int sendTokensPerDay, int threads) {

    public SpamConfig {
        require(bots >= 1 && bots <= 10_000, "--bots must be 1 to 10000");
        require(honest >= 2 && honest <= 1_000, "--honest must be 2 to 1000 (they write to each other)");
        require(oldContacts >= 0 && oldContacts <= bots, "--old-contacts must be 0 to --bots");
        require(honestRate > 0 && honestRate <= 10_000, "--honest-rate must be above 0 and at most 10000 msgs/s");
        require(botRate > 0 && botRate <= 1_000, "--bot-rate must be above 0 and at most 1000 msgs/s per bot");
        require(phaseSeconds >= 1 && phaseSeconds <= 600, "--phase-seconds must be 1 to 600");
        require(tokensPerBot >= 1 && tokensPerBot <= 1_000, "--tokens-per-bot must be 1 to 1000");
        require(drainSeconds >= 0 && drainSeconds <= 600, "--drain must be 0 to 600 seconds");
        require(heapBoundMiB >= 1, "--heap-bound must be positive");
        require(sendTokensPerDay >= 1, "--send-tokens-per-day must be at least 1");
        require(threads >= 1, "--threads must be at least 1");
    }

    /** Tokens each honest user gets at the start: its share of the run's messages, plus a half and a margin. */
    int tokensPerHonest() {
        return (int) Math.ceil(honestRate * phaseSeconds * SpamPhase.values().length / honest * 1.5) + 20;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}

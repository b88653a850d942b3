package org.parley.cli;

import com.google.zxing.WriterException;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import com.google.zxing.qrcode.encoder.ByteMatrix;
import com.google.zxing.qrcode.encoder.Encoder;

/**
 * A QR code as text for a terminal: two module rows per line with Unicode half blocks, so it stays
 * square and small. As {@code qrencode -t UTF8} does, the blocks are the light modules (quiet zone
 * included) and the dark ones are left blank, which reads right on a terminal's dark background;
 * {@link #forTerminal} also sets the colours, so a light-themed terminal shows it right as well.
 */
public final class TerminalQrCode {
    /** The light margin round the code; ISO/IEC 18004 asks for four modules. */
    static final int QUIET_ZONE = 4;
    private static final String LIGHT_ON_DARK = "\u001b[40;97m";
    private static final String RESET = "\u001b[0m";

    private TerminalQrCode() {
    }

    /** The code for {@code text}, one line per two module rows, each line ending in a newline. */
    public static String render(String text) {
        ByteMatrix modules;
        try {
            modules = Encoder.encode(text, ErrorCorrectionLevel.M).getMatrix();
        } catch (WriterException e) {
            throw new IllegalArgumentException("too long for a QR code (" + text.length() + " characters)", e);
        }
        int size = modules.getWidth() + 2 * QUIET_ZONE;
        StringBuilder out = new StringBuilder();
        for (int row = 0; row < size; row += 2) {
            for (int column = 0; column < size; column++) {
                boolean topLight = !dark(modules, column, row);
                boolean bottomLight = row + 1 >= size || !dark(modules, column, row + 1);
                out.append(topLight ? (bottomLight ? '█' : '▀') : (bottomLight ? '▄' : ' '));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** {@link #render}, each line coloured light on dark (ANSI), for an interactive terminal of any theme. */
    public static String forTerminal(String text) {
        StringBuilder out = new StringBuilder();
        render(text).lines().forEach(line -> out.append(LIGHT_ON_DARK).append(line).append(RESET).append('\n'));
        return out.toString();
    }

    private static boolean dark(ByteMatrix modules, int column, int row) {
        int x = column - QUIET_ZONE;
        int y = row - QUIET_ZONE;
        return x >= 0 && y >= 0 && x < modules.getWidth() && y < modules.getHeight() && modules.get(x, y) == 1;
    }
}

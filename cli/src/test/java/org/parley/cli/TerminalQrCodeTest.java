package org.parley.cli;

import com.google.zxing.qrcode.decoder.Decoder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The terminal QR code read back by a QR decoder, as a phone's camera would read it off the screen. */
class TerminalQrCodeTest {

    @Test
    void aDecoderReadsTheLinkBackFromTheHalfBlocks() throws Exception {
        String link = "parley://bridge?host=bridge.example.org&port=443&pin=5zzGW9oB4P6uMS0o0StxHIpqfe4ApL-_vqRHm0rnA-4"
                + "&server=https%3A%2F%2Fchat.example.org%3A443";
        String drawn = TerminalQrCode.render(link);
        assertThat(drawn).matches("[█▀▄ \n]+");
        assertThat(decode(drawn.lines().toList())).isEqualTo(link);
    }

    @Test
    void theTerminalFormColoursEachLineAndDrawsTheSameCode() throws Exception {
        String link = "parley://bridge?host=127.0.0.1&port=8443";
        List<String> lines = TerminalQrCode.forTerminal(link).lines().toList();
        assertThat(lines).allMatch(line -> line.startsWith("\u001b[40;97m") && line.endsWith("\u001b[0m"));
        assertThat(decode(lines.stream().map(line -> line.replaceAll("\u001b\\[[0-9;]*m", "")).toList())).isEqualTo(link);
    }

    @Test
    void textTooLongForAnyQrCodeIsRefusedWithAMessage() {
        assertThatThrownBy(() -> TerminalQrCode.render("x".repeat(8000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long for a QR code");
    }

    /**
     * Reads a drawn code: blocks are light modules, blanks dark; the quiet zone is stripped and the
     * module matrix goes to ZXing's QR decoder.
     */
    static String decode(List<String> lines) throws Exception {
        int size = lines.get(0).length();
        boolean[][] light = new boolean[lines.size() * 2][size];
        for (int row = 0; row < lines.size(); row++) {
            String line = lines.get(row);
            assertThat(line).hasSize(size);
            for (int column = 0; column < size; column++) {
                char c = line.charAt(column);
                light[2 * row][column] = c == '█' || c == '▀';
                light[2 * row + 1][column] = c == '█' || c == '▄';
            }
        }
        int modules = size - 2 * TerminalQrCode.QUIET_ZONE;
        boolean[][] dark = new boolean[modules][modules];
        for (int y = 0; y < modules; y++) {
            for (int x = 0; x < modules; x++) {
                dark[y][x] = !light[y + TerminalQrCode.QUIET_ZONE][x + TerminalQrCode.QUIET_ZONE];
            }
        }
        return new Decoder().decode(dark).getText();
    }
}

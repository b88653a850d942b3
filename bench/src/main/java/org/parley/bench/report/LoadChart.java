package org.parley.bench.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws delivered msgs/s (x, linear) against p99 latency (y, logarithmic) with one line per
 * server and client count, headless with Java2D so no plotting tool is needed.
 */
public final class LoadChart {

    private static final int WIDTH = 960;
    private static final int HEIGHT = 600;
    private static final int LEFT = 80;
    private static final int RIGHT = 220;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};

    private LoadChart() {
    }

    /** Writes the chart of the non-idle {@code points} as a PNG. */
    public static void write(List<LoadPoint> points, String title, Path png) throws IOException {
        Map<String, List<LoadPoint>> series = new LinkedHashMap<>();
        points.stream().filter(p -> !p.idle())
                .sorted(Comparator.comparing(LoadPoint::target).thenComparingInt(LoadPoint::clients))
                .forEach(p -> series.computeIfAbsent(p.target() + ", " + String.format("%,d", p.clients()) + " clients",
                        k -> new ArrayList<>()).add(p));
        double maxX = points.stream().mapToDouble(LoadPoint::deliveredPerSecond).max().orElse(1) * 1.1;
        maxX = niceCeiling(Math.max(maxX, 10));
        double minY = 0.1;
        double maxY = Math.max(1000, points.stream().mapToDouble(LoadPoint::p99Ms).max().orElse(1000) * 1.5);
        maxY = Math.pow(10, Math.ceil(Math.log10(maxY)));

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        Plot plot = new Plot(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM, maxX, minY, maxY);

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        Stroke grid = new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {3f, 3f}, 0f);
        for (int i = 0; i <= 5; i++) {
            double x = maxX * i / 5;
            int px = plot.x(x);
            g.setColor(new Color(0xdddddd));
            g.setStroke(grid);
            g.drawLine(px, plot.top, px, plot.top + plot.height);
            g.setColor(Color.BLACK);
            String label = String.format("%,.0f", x);
            g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, plot.top + plot.height + 18);
        }
        for (double y = minY; y <= maxY * 1.001; y *= 10) {
            int py = plot.y(y);
            g.setColor(new Color(0xdddddd));
            g.setStroke(grid);
            g.drawLine(plot.left, py, plot.left + plot.width, py);
            g.setColor(Color.BLACK);
            String label = y < 1 ? String.format("%.1f", y) : String.format("%,.0f", y);
            g.drawString(label, plot.left - 8 - g.getFontMetrics().stringWidth(label), py + 4);
        }
        for (double limit : new double[] {50, 100}) {
            int py = plot.y(limit);
            g.setColor(new Color(0xff9900));
            g.setStroke(new BasicStroke(1.2f));
            g.drawLine(plot.left, py, plot.left + plot.width, py);
            g.drawString("p99 " + (int) limit + " ms", plot.left + plot.width - 70, py - 4);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.2f));
        g.drawRect(plot.left, plot.top, plot.width, plot.height);
        g.drawString("delivered messages/s", plot.left + plot.width / 2 - 60, HEIGHT - 15);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString("p99 latency (ms, log scale)", -(plot.top + plot.height / 2 + 80), 20);
        rotated.dispose();

        int legendY = plot.top + 10;
        int index = 0;
        for (Map.Entry<String, List<LoadPoint>> s : series.entrySet()) {
            Color color = COLORS[index % COLORS.length];
            boolean dashed = s.getValue().get(0).clients() >= 10_000;
            g.setColor(color);
            g.setStroke(dashed ? new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 5f}, 0f)
                    : new BasicStroke(2f));
            List<LoadPoint> pts = new ArrayList<>(s.getValue());
            pts.sort(Comparator.comparingDouble(LoadPoint::offeredRate));
            for (int i = 1; i < pts.size(); i++) {
                g.drawLine(plot.x(pts.get(i - 1).deliveredPerSecond()), plot.y(Math.max(minY, pts.get(i - 1).p99Ms())),
                        plot.x(pts.get(i).deliveredPerSecond()), plot.y(Math.max(minY, pts.get(i).p99Ms())));
            }
            for (LoadPoint p : pts) {
                int px = plot.x(p.deliveredPerSecond());
                int py = plot.y(Math.max(minY, p.p99Ms()));
                g.fillOval(px - 4, py - 4, 8, 8);
            }
            g.drawLine(WIDTH - RIGHT + 15, legendY, WIDTH - RIGHT + 45, legendY);
            g.setColor(Color.BLACK);
            g.drawString(s.getKey(), WIDTH - RIGHT + 52, legendY + 4);
            legendY += 22;
            index++;
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    /** 1, 2 or 5 times a power of ten, at least {@code value}. */
    static double niceCeiling(double value) {
        double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * power >= value) {
                return step * power;
            }
        }
        return 10 * power;
    }

    private record Plot(int left, int top, int width, int height, double maxX, double minY, double maxY) {
        int x(double value) {
            return left + (int) Math.round(width * Math.min(value, maxX) / maxX);
        }

        int y(double value) {
            double clamped = Math.min(Math.max(value, minY), maxY);
            double fraction = (Math.log10(clamped) - Math.log10(minY)) / (Math.log10(maxY) - Math.log10(minY));
            return top + height - (int) Math.round(height * fraction);
        }
    }
}

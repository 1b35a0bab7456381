import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * bench/compare.sh's report: merges the samples of a run (linux-tests' CompareBench writes them)
 * into the raw CSV, where each measured metric replaces its earlier samples and the others stay,
 * then writes the table (RESULTS.md), the chart of the ratios (ratios.png) and, with --docs, the
 * table into docs/performance.md between its markers. Fails when a measured metric lacks a side.
 *
 *   java -Djava.awt.headless=true bench/Report.java --samples FILE --out DIR --date D --commit C
 *       --machine M --setup TEXT [--docs FILE]
 */
public final class Report {
    private static final String RAW_HEADER = "metric,label,unit,better,qemu,side,run,value,date,commit,machine";
    private static final String DOCS_BEGIN = "<!-- bench:results:begin -->";
    private static final String DOCS_END = "<!-- bench:results:end -->";

    /** One sample: a row of the raw CSV. */
    private record Sample(String metric, String label, String unit, String better, String qemu, String side, int run,
                          double value, String date, String commit, String machine) {
        static Sample parse(String line) {
            String[] f = line.split(",", -1);
            if (f.length != 11) {
                throw new IllegalArgumentException("not a raw CSV row (11 fields): " + line);
            }
            return new Sample(f[0], f[1], f[2], f[3], f[4], f[5], Integer.parseInt(f[6]), Double.parseDouble(f[7]),
                    f[8], f[9], f[10]);
        }

        String csv() {
            return String.join(",", metric, label, unit, better, qemu, side, String.valueOf(run),
                    String.format(Locale.ROOT, "%.3f", value), date, commit, machine);
        }
    }

    /** Median, 10th and 90th percentile of one side's samples. */
    private record Spread(int n, double median, double p10, double p90) {
        static Spread of(List<Double> values) {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Spread(sorted.length, percentile(sorted, 50), percentile(sorted, 10), percentile(sorted, 90));
        }

        /** Linear interpolation between closest ranks (R-7, the spreadsheet default). */
        private static double percentile(double[] sorted, double p) {
            double rank = p / 100 * (sorted.length - 1);
            int below = (int) Math.floor(rank);
            int above = Math.min(below + 1, sorted.length - 1);
            return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
        }
    }

    /** A row of the table; {@code floor} (a C program on raw KVM) only where the metric has one, else null. */
    private record Row(Sample first, Spread hotvisor, Spread qemu, Spread floor) {
        double ratio() {
            return hotvisor.median() / qemu.median();
        }

        boolean hotvisorBetter() {
            return first.better().equals("lower") ? ratio() <= 1 : ratio() >= 1;
        }
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = options(args);
        Path out = Path.of(required(options, "--out"));
        Files.createDirectories(out);
        Path raw = out.resolve("raw.csv");

        Map<String, List<Sample>> byMetric = new LinkedHashMap<>();
        if (Files.exists(raw)) {
            for (Sample sample : read(raw, 11, line -> Sample.parse(line))) {
                byMetric.computeIfAbsent(sample.metric(), k -> new ArrayList<>()).add(sample);
            }
        }
        Map<String, List<Sample>> measured = new LinkedHashMap<>();
        for (Sample sample : read(Path.of(required(options, "--samples")), 8, line -> Sample.parse(line + ","
                + required(options, "--date") + "," + required(options, "--commit") + "," + required(options, "--machine")))) {
            measured.computeIfAbsent(sample.metric(), k -> new ArrayList<>()).add(sample);
        }
        if (measured.isEmpty()) {
            fail("the run measured nothing");
        }
        byMetric.putAll(measured); // a metric measured again keeps its place

        List<String> rawLines = new ArrayList<>(List.of(RAW_HEADER));
        byMetric.values().forEach(samples -> samples.forEach(sample -> rawLines.add(sample.csv())));
        Files.write(raw, rawLines, StandardCharsets.UTF_8);

        List<Row> rows = new ArrayList<>();
        List<String> incomplete = new ArrayList<>();
        byMetric.forEach((metric, samples) -> {
            Map<String, List<Double>> bySide = new HashMap<>();
            samples.forEach(sample -> bySide.computeIfAbsent(sample.side(), k -> new ArrayList<>()).add(sample.value()));
            if (!bySide.containsKey("hotvisor") || !bySide.containsKey("qemu")) {
                incomplete.add(metric + " (has only " + bySide.keySet() + ")");
                return;
            }
            rows.add(new Row(samples.get(0), Spread.of(bySide.get("hotvisor")), Spread.of(bySide.get("qemu")),
                    bySide.containsKey("raw") ? Spread.of(bySide.get("raw")) : null));
        });

        String table = table(rows);
        Files.writeString(out.resolve("RESULTS.md"), results(table, options.get("--setup")), StandardCharsets.UTF_8);
        chart(rows, out.resolve("ratios.png"));
        if (options.containsKey("--docs")) {
            updateDocs(Path.of(options.get("--docs")), table);
        }
        System.out.println(table);
        if (!incomplete.isEmpty()) {
            fail("metrics without both Hotvisor and QEMU samples: " + String.join(", ", incomplete));
        }
    }

    private interface LineParser<T> {
        T parse(String line);
    }

    /** The rows of a CSV file after its header, which must have {@code fields} fields. */
    private static <T> List<T> read(Path file, int fields, LineParser<T> parser) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || lines.get(0).split(",").length != fields) {
            fail(file + ": expected a header of " + fields + " fields");
        }
        List<T> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                rows.add(parser.parse(line));
            }
        }
        return rows;
    }

    private static String table(List<Row> rows) {
        StringBuilder table = new StringBuilder("""
                | metric | unit | runs | Hotvisor median | p10 | p90 | QEMU median | p10 | p90 | Hotvisor ÷ QEMU | better | raw KVM (floor) | QEMU machine | date | commit | machine |
                |---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|---|---|---|---|
                """);
        for (Row row : rows) {
            Sample s = row.first();
            table.append(String.format(Locale.ROOT,
                    "| %s | %s | %d/%d | %s | %s | %s | %s | %s | %s | **%.2f** | %s | %s | %s | %s | `%s` | %s |%n",
                    s.label(), s.unit(), row.hotvisor().n(), row.qemu().n(), number(row.hotvisor().median()),
                    number(row.hotvisor().p10()), number(row.hotvisor().p90()), number(row.qemu().median()),
                    number(row.qemu().p10()), number(row.qemu().p90()), row.ratio(), s.better(),
                    row.floor() == null ? "–" : number(row.floor().median()), s.qemu(), s.date(), s.commit(), s.machine()));
        }
        return table.toString();
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value);
    }

    private static String results(String table, String setup) {
        return "# Hotvisor and QEMU 7.2, side by side\n\n"
                + "Written by `bench/compare.sh`; do not edit. How it is measured, and the rules the figures follow:\n"
                + "[docs/performance.md](../../docs/performance.md). Raw samples: [raw.csv](raw.csv).\n\n"
                + table + "\n"
                + "Hotvisor ÷ QEMU is the ratio of the medians; \"better\" says which way is better for the metric "
                + "(for a time, below 1 means Hotvisor is faster). p10 and p90 show the spread; runs counts the samples "
                + "of each side. raw KVM (floor): the median of a C program's loop on the same /dev/kvm, for the exit "
                + "round trips.\n\n"
                + (setup == null ? "" : "Setup of the last run: " + setup + "\n\n")
                + "![Hotvisor ÷ QEMU](ratios.png)\n";
    }

    private static void updateDocs(Path docs, String table) throws IOException {
        String text = Files.readString(docs, StandardCharsets.UTF_8);
        int begin = text.indexOf(DOCS_BEGIN);
        int end = text.indexOf(DOCS_END);
        if (begin < 0 || end < begin) {
            fail(docs + " has no " + DOCS_BEGIN + " ... " + DOCS_END + " markers");
        }
        Files.writeString(docs, text.substring(0, begin + DOCS_BEGIN.length()) + "\n" + table
                + "\n![Hotvisor ÷ QEMU](../bench/results/ratios.png)\n" + text.substring(end), StandardCharsets.UTF_8);
    }

    /** Horizontal bars of the ratios around a line at 1; green where Hotvisor is better. */
    private static void chart(List<Row> rows, Path png) throws IOException {
        int barHeight = 26;
        int labelWidth = 430;
        int plotWidth = 520;
        int top = 56;
        int width = labelWidth + plotWidth + 70;
        int height = top + rows.size() * barHeight + 48;
        double max = Math.max(2, rows.stream().mapToDouble(Row::ratio).max().orElse(1) * 1.1);

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString("Hotvisor ÷ QEMU 7.2 (medians)", 12, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("green: Hotvisor better, red: QEMU better; for times, left of 1 is faster", 12, 40);
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            int y = top + i * barHeight;
            int length = (int) Math.round(row.ratio() / max * plotWidth);
            g.setColor(row.hotvisorBetter() ? new Color(0x4C, 0xA8, 0x5A) : new Color(0xD0, 0x52, 0x4A));
            g.fillRect(labelWidth, y + 4, Math.max(1, length), barHeight - 8);
            g.setColor(Color.BLACK);
            String label = row.first().label();
            while (metrics.stringWidth(label) > labelWidth - 16) {
                label = label.substring(0, label.length() - 2);
            }
            g.drawString(label, labelWidth - 8 - metrics.stringWidth(label), y + barHeight / 2 + 5);
            g.drawString(String.format(Locale.ROOT, "%.2f", row.ratio()), labelWidth + length + 6, y + barHeight / 2 + 5);
        }
        int axis = top + rows.size() * barHeight + 4;
        g.setColor(Color.DARK_GRAY);
        g.drawLine(labelWidth, top, labelWidth, axis);
        g.drawLine(labelWidth, axis, labelWidth + plotWidth, axis);
        for (double tick = 0; tick <= max; tick += max > 6 ? 2 : 0.5) {
            int x = labelWidth + (int) Math.round(tick / max * plotWidth);
            g.drawLine(x, axis, x, axis + 4);
            String text = String.format(Locale.ROOT, "%.1f", tick);
            g.drawString(text, x - metrics.stringWidth(text) / 2, axis + 18);
        }
        int one = labelWidth + (int) Math.round(1 / max * plotWidth);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 4}, 0));
        g.drawLine(one, top - 4, one, axis);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            fail("missing " + name);
        }
        return value;
    }

    private static void fail(String message) {
        System.err.println("Report: " + message);
        System.exit(1);
    }
}

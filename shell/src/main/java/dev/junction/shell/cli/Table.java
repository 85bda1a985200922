package dev.junction.shell.cli;

import java.util.ArrayList;
import java.util.List;

/** A text table whose columns line up; numeric columns are right-aligned. */
public final class Table {
    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = headers;
    }

    public Table row(Object... cells) {
        String[] r = new String[headers.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        }
        rows.add(r);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    @Override
    public String toString() {
        int[] w = new int[headers.length];
        boolean[] numeric = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            w[i] = headers[i].length();
            numeric[i] = !rows.isEmpty();
        }
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
                numeric[i] &= r[i].matches("-?[0-9][0-9.,]*%?") || r[i].isEmpty();
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, w, numeric);
        for (String[] r : rows) {
            line(sb, r, w, numeric);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] w, boolean[] numeric) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                l.append("  ");
            }
            String c = cells[i];
            String pad = " ".repeat(w[i] - c.length());
            l.append(numeric[i] ? pad + c : c + pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }
}

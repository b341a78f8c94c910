package org.ipfsbackup.config;

import java.text.ParseException;
import java.util.Locale;
import org.quartz.CronExpression;

/**
 * Turns a schedule into a Quartz cron expression. Accepts the seed's 5-field Unix form
 * ({@code minute hour day-of-month month day-of-week}, e.g. {@code 0 2 * * 0}) and native Quartz expressions
 * (6 or 7 fields, seconds first). Every result is checked by Quartz itself.
 *
 * <p>Hand-written on purpose: cron-utils 9.2.1 ({@code CronMapper.fromUnixToQuartz}) was tried and refuses inputs
 * accepted here ({@code Sun-Tue}; {@code L}, {@code W}, {@code ?} in the 5-field form), writes days as
 * numbers with an extra year field, and maps Unix {@code 0-7} to Quartz {@code 1-1} (Sundays only); CronTranslatorTest
 * pins them.
 */
public final class CronTranslator {

    private static final String[] DAY_NAMES = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};

    private CronTranslator() {
    }

    /**
     * @param setting the property or variable name, used in error messages
     * @param expression the schedule as configured
     * @return a valid Quartz cron expression
     * @throws ConfigException naming the setting when the expression is not valid
     */
    public static String toQuartz(String setting, String expression) {
        if (expression == null || expression.isBlank()) {
            throw new ConfigException(setting + " is empty: give a cron expression such as '0 2 * * 0'");
        }
        String[] f = expression.trim().split("\\s+");
        String quartz;
        if (f.length == 5) {
            quartz = fromUnix(setting, expression, f);
        } else if (f.length == 6 || f.length == 7) {
            quartz = String.join(" ", f);
        } else {
            throw new ConfigException(setting + " = '" + expression + "' has " + f.length
                    + " fields: use 5 (Unix: minute hour day-of-month month day-of-week) or 6-7 (Quartz, seconds first)");
        }
        try {
            CronExpression.validateExpression(quartz);
        } catch (ParseException e) {
            throw new ConfigException(setting + " = '" + expression + "' is not a valid cron expression: " + e.getMessage());
        }
        return quartz;
    }

    private static String fromUnix(String setting, String original, String[] f) {
        String minute = f[0], hour = f[1], dom = f[2], month = f[3], dow = f[4];
        boolean domAny = dom.equals("*") || dom.equals("?");
        boolean dowAny = dow.equals("*") || dow.equals("?");
        if (!domAny && !dowAny) {
            // Unix cron ORs the two fields; Quartz cannot express that, so refuse rather than change the meaning.
            throw new ConfigException(setting + " = '" + original
                    + "' restricts both day-of-month and day-of-week; Unix cron runs when EITHER matches, which Quartz "
                    + "cannot express: set one of them to *");
        }
        String qDom = dowAny ? (domAny ? "*" : dom) : "?";
        String qDow = dowAny ? "?" : unixDaysToQuartz(setting, original, dow);
        if (domAny && dowAny) {
            qDom = "*";
            qDow = "?";
        }
        return String.join(" ", "0", minute, hour, qDom, month, qDow);
    }

    /** Unix day-of-week numbers are 0-7 with 0 and 7 Sunday; Quartz numbers are 1-7 from Sunday, so use names. */
    private static String unixDaysToQuartz(String setting, String original, String dow) {
        dow = expandRangesEndingOnSeven(dow);
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < dow.length()) {
            char c = dow.charAt(i);
            if (Character.isDigit(c)) {
                int j = i;
                while (j < dow.length() && Character.isDigit(dow.charAt(j))) {
                    j++;
                }
                int day = Integer.parseInt(dow.substring(i, j));
                boolean afterSlash = i > 0 && dow.charAt(i - 1) == '/';
                if (afterSlash) {
                    out.append(day); // a step, not a day
                } else {
                    if (day > 7) {
                        throw new ConfigException(setting + " = '" + original + "': day-of-week " + day + " is out of range 0-7");
                    }
                    out.append(DAY_NAMES[day]);
                }
                i = j;
            } else {
                out.append(Character.toUpperCase(c));
                i++;
            }
        }
        return out.toString().toUpperCase(Locale.ROOT);
    }

    /**
     * A Unix range that ends on 7 (Sunday, e.g. {@code 0-7}, {@code 5-7}, {@code 1-7/2}) has no Quartz range: named
     * it would read {@code SUN-SUN} or {@code FRI-SUN}, which Quartz does not fire on every day the range means. Such
     * an item becomes the list of its days.
     */
    private static String expandRangesEndingOnSeven(String dow) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String item : dow.split(",", -1)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)-7(?:/(\\d+))?").matcher(item);
            if (m.matches()) {
                int from = Integer.parseInt(m.group(1));
                int step = m.group(2) == null ? 1 : Math.max(1, Integer.parseInt(m.group(2)));
                java.util.Set<Integer> days = new java.util.TreeSet<>();
                for (int d = from; d <= 7; d += step) {
                    days.add(d % 7);
                }
                item = String.join(",", days.stream().map(String::valueOf).toList());
            }
            out.add(item);
        }
        return String.join(",", out);
    }
}

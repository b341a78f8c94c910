package org.ipfsbackup.mongo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one masker: hides credentials in any text that may reach a log line, an exception message, an alert (or the
 * alert spool on disk) or a tool's captured stderr. It masks URI user info ({@code mongodb://user:pw@host} becomes
 * {@code mongodb://***@host}, greedy up to the last '@' of the authority, so a password with an unencoded '@' is
 * hidden whole) and query secrets ({@code ?password=***}), {@code Authorization:} values and bearer tokens, anything
 * written as {@code *KEY=...}, {@code password: ...}, {@code "token":"..."}, PEM private keys, and the literal values
 * of known secrets (the SMTP password, the encryption key, the password of the MongoDB URI, raw and percent-decoded)
 * wherever they appear. It errs on the side of hiding too much.
 */
public final class Masking {
    /** Patterns only, no known values: what logs and free-standing messages get. */
    public static final Masking PATTERNS = new Masking(List.of());

    public static final String MASK = "***";
    /** Shorter values are not replaced literally: they would mask ordinary words (patterns still catch them in URIs). */
    static final int MIN_KNOWN_SECRET_LENGTH = 4;

    private static final Pattern PEM_PRIVATE_KEY = Pattern.compile(
            "-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\\z)", Pattern.DOTALL);
    private static final Pattern USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@\\s]+)@");
    /** Greedy up to the last '@' of the authority: a password with an unencoded '@' is hidden whole. */
    private static final Pattern URI_USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\\s?#]*@");
    private static final Pattern QUERY_SECRETS = Pattern.compile("(?i)((?:password|pwd|secret|token|key)=)[^&\\s]+");
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "(?i)(\\b(?:proxy-)?authorization[\"']?\\s*[:=]\\s*[\"']?)(?:(?:bearer|basic|token|digest|negotiate)\\s+)?[^\\s,;\"']+");
    private static final Pattern BEARER = Pattern.compile("(?i)(\\bbearer\\s+)[^\\s,;\"']+");
    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(?i)([A-Za-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|key|credentials?|api[_-]?key|auth)"
                    + "[\"']?\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;&\"']+)");
    private static final Pattern URI_START = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://([^/@]*)@");
    private static final String QUOTED_MASK = Matcher.quoteReplacement(MASK);

    private final List<String> knownSecrets;

    /** @param knownSecrets values to hide wherever they appear (null and short entries are ignored) */
    public Masking(Collection<String> knownSecrets) {
        this.knownSecrets = knownSecrets.stream().filter(Objects::nonNull)
                .filter(s -> s.length() >= MIN_KNOWN_SECRET_LENGTH)
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()) // a longer secret before its substrings
                .toList();
    }

    /** The patterns plus the password of {@code uri} (raw and percent-decoded) as known secrets. */
    public static Masking forUri(String uri) {
        return new Masking(passwords(uri));
    }

    /** {@link #PATTERNS}{@code .mask(text)}: for any text (messages, stack traces, URIs); the name is historical. */
    public static String maskUri(String text) {
        return PATTERNS.mask(text);
    }

    /** The text with every credential replaced by {@value #MASK}; null stays null. */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String s = text;
        for (String secret : knownSecrets) {
            s = s.replace(secret, MASK);
        }
        s = PEM_PRIVATE_KEY.matcher(s).replaceAll("[private key removed]");
        s = AUTHORIZATION.matcher(s).replaceAll("$1" + QUOTED_MASK);
        s = BEARER.matcher(s).replaceAll("$1" + QUOTED_MASK);
        // before the URI patterns, which would cut a quoted value at its first space
        s = ASSIGNMENT.matcher(s).replaceAll("$1" + QUOTED_MASK);
        s = USERINFO.matcher(s).replaceAll("$1" + QUOTED_MASK + "@");
        s = QUERY_SECRETS.matcher(s).replaceAll("$1" + QUOTED_MASK);
        s = URI_USERINFO.matcher(s).replaceAll("$1" + QUOTED_MASK + "@");
        return s;
    }

    /** The password of a {@code scheme://user:password@...} URI, raw and percent-decoded; empty without one. */
    private static Set<String> passwords(String uri) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = uri == null ? null : URI_START.matcher(uri.strip());
        if (m == null || !m.find()) {
            return out;
        }
        String userInfo = m.group(1);
        int colon = userInfo.indexOf(':');
        if (colon < 0) {
            return out;
        }
        String raw = userInfo.substring(colon + 1);
        out.add(raw);
        try {
            out.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException ignored) {
            // not valid percent-encoding: the raw form is all there is
        }
        return out;
    }
}

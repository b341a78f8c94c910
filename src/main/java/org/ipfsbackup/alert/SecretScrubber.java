package org.ipfsbackup.alert;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ipfsbackup.config.Masking;

/**
 * Removes credentials from free text before it goes into an alert (or onto disk in the spool): URI user info and
 * query secrets ({@link Masking#maskUri}), {@code Authorization:} values and bearer tokens, anything written as
 * {@code *KEY=...}, {@code password: ...}, {@code "token":"..."}, PEM private keys, and the literal values of known
 * secrets (the SMTP password, the encryption key) wherever they appear. It errs on the side of hiding too much.
 */
public final class SecretScrubber {
    /** Patterns only, no known values. */
    public static final SecretScrubber PATTERNS = new SecretScrubber(List.of());

    static final String MASK = "***";
    /** Shorter values are not replaced literally: they would mask ordinary words. */
    static final int MIN_KNOWN_SECRET_LENGTH = 4;

    private static final Pattern PEM_PRIVATE_KEY = Pattern.compile(
            "-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\\z)", Pattern.DOTALL);
    /** Greedy up to the last '@' of the authority: a password with an unencoded '@' is hidden whole. */
    private static final Pattern URI_USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\\s?#]*@");
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "(?i)(\\b(?:proxy-)?authorization[\"']?\\s*[:=]\\s*[\"']?)(?:(?:bearer|basic|token|digest|negotiate)\\s+)?[^\\s,;\"']+");
    private static final Pattern BEARER = Pattern.compile("(?i)(\\bbearer\\s+)[^\\s,;\"']+");
    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(?i)([A-Za-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|key|credentials?|api[_-]?key|auth)"
                    + "[\"']?\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;&\"']+)");

    private final List<String> knownSecrets;

    /** @param knownSecrets values to hide wherever they appear (null and short entries are ignored) */
    public SecretScrubber(Collection<String> knownSecrets) {
        this.knownSecrets = knownSecrets.stream().filter(Objects::nonNull)
                .filter(s -> s.length() >= MIN_KNOWN_SECRET_LENGTH)
                .sorted(Comparator.comparingInt(String::length).reversed()) // a longer secret before its substrings
                .toList();
    }

    /** The text with every credential replaced by {@code ***}; null stays null. */
    public String scrub(String text) {
        if (text == null) {
            return null;
        }
        String s = text;
        for (String secret : knownSecrets) {
            s = s.replace(secret, MASK);
        }
        s = PEM_PRIVATE_KEY.matcher(s).replaceAll("[private key removed]");
        s = AUTHORIZATION.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        s = BEARER.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        // before maskUri, which would cut a quoted value at its first space
        s = ASSIGNMENT.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        s = Masking.maskUri(s);
        s = URI_USERINFO.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "@");
        return s;
    }

    /** The alert with its free texts (step, error, backup name) scrubbed. */
    public Alert scrubAlert(Alert a) {
        return new Alert(a.event(), a.severity(), a.backupType(), scrub(a.step()), scrub(a.error()), scrub(a.backupName()),
                a.time(), a.key(), a.resolved());
    }
}

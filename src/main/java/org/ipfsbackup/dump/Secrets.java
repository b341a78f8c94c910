package org.ipfsbackup.dump;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps credentials out of messages: masks the password part of any URI and the configured password itself.
 * {@link #maskPasswords} is the part other packages share (the mongorestore engine masks URIs its own way).
 */
public final class Secrets {

    static final String MASK = "****";
    private static final Pattern URI_CREDENTIALS = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://[^:/@\\s\"']*:)[^@\\s\"']*@");
    private static final Pattern USER_INFO = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://([^/@]*)@");

    private Secrets() {
    }

    /** The URI with its password replaced by {@value #MASK}. */
    static String maskUri(String uri) {
        return uri == null ? null : URI_CREDENTIALS.matcher(uri).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "@");
    }

    /**
     * {@code text} with every URI password masked, and every occurrence of the password of {@code uri} (raw and
     * percent-decoded) too, wherever it appears.
     */
    public static String mask(String text, String uri) {
        return maskPasswords(maskUri(text), uri, MASK);
    }

    /**
     * {@code text} with every occurrence of the password of {@code uri} (raw and percent-decoded, each when at least
     * 3 characters long) replaced by {@code replacement}; {@code null} for {@code null}.
     */
    public static String maskPasswords(String text, String uri, String replacement) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : passwords(uri)) {
            out = out.replace(secret, replacement);
        }
        return out;
    }

    private static Set<String> passwords(String uri) {
        Set<String> out = new LinkedHashSet<>();
        if (uri == null) {
            return out;
        }
        Matcher m = USER_INFO.matcher(uri.strip());
        if (!m.find()) {
            return out;
        }
        String userInfo = m.group(1);
        int colon = userInfo.indexOf(':');
        if (colon < 0) {
            return out;
        }
        String raw = userInfo.substring(colon + 1);
        // very short passwords would mask unrelated text; the URI pattern above still catches them inside URIs
        if (raw.length() >= 3) {
            out.add(raw);
        }
        try {
            String decoded = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
            if (decoded.length() >= 3) {
                out.add(decoded);
            }
        } catch (IllegalArgumentException ignored) {
            // not valid percent-encoding: the raw form is all there is
        }
        return out;
    }
}

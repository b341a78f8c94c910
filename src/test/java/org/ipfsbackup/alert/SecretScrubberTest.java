package org.ipfsbackup.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretScrubberTest {
    final SecretScrubber s = SecretScrubber.PATTERNS;

    @Test
    void uriPasswordsAreHiddenEvenWithAnUnencodedAt() {
        assertThat(s.scrub("mongodb://root:p@ss@db:27017/admin")).isEqualTo("mongodb://***@db:27017/admin");
        assertThat(s.scrub("https://hooks.example.org/a@b")).isEqualTo("https://hooks.example.org/a@b");
        assertThat(s.scrub("write to ops@example.org")).isEqualTo("write to ops@example.org");
    }

    @Test
    void assignmentsAndHeadersOfSecretsAreHidden() {
        assertThat(s.scrub("BACKUP_ENCRYPTION_KEY = abc123")).isEqualTo("BACKUP_ENCRYPTION_KEY = ***");
        assertThat(s.scrub("IPFS_CLUSTER_PASSWORD:hunter2, next")).isEqualTo("IPFS_CLUSTER_PASSWORD:***, next");
        assertThat(s.scrub("Proxy-Authorization: Basic Zm9vOmJhcg==")).isEqualTo("Proxy-Authorization: ***");
        assertThat(s.scrub("\"Authorization\": \"Bearer abc.def\"")).isEqualTo("\"Authorization\": \"***\"");
        assertThat(s.scrub("secret='a b c'")).isEqualTo("secret=***");
    }

    @Test
    void ordinaryWordsStay() {
        String text = "password authentication failed for user backup; basic checks passed; key rotation due";
        assertThat(s.scrub(text)).isEqualTo(text);
        assertThat(s.scrub(null)).isNull();
    }

    @Test
    void privateKeysAreRemovedWhole() {
        String pem = "before -----BEGIN RSA PRIVATE KEY-----\nMIIEabc\ndef\n-----END RSA PRIVATE KEY----- after";
        assertThat(s.scrub(pem)).isEqualTo("before [private key removed] after");
        assertThat(s.scrub("-----BEGIN PRIVATE KEY-----\nMIIEcut")).isEqualTo("[private key removed]");
    }

    @Test
    void aLongerKnownSecretIsHiddenBeforeItsPrefix() {
        SecretScrubber known = new SecretScrubber(java.util.Arrays.asList("abcd", "abcdefgh", null));
        assertThat(known.scrub("x abcdefgh y abcd")).isEqualTo("x *** y ***");
        assertThat(new SecretScrubber(List.of("abc")).scrub("abc")).isEqualTo("abc");
    }
}

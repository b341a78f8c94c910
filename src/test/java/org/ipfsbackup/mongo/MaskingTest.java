package org.ipfsbackup.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MaskingTest {
    final Masking s = Masking.PATTERNS;

    @Test
    void uriPasswordsAreHiddenEvenWithAnUnencodedAt() {
        assertThat(s.mask("mongodb://root:p@ss@db:27017/admin")).isEqualTo("mongodb://***@db:27017/admin");
        assertThat(s.mask("https://hooks.example.org/a@b")).isEqualTo("https://hooks.example.org/a@b");
        assertThat(s.mask("write to ops@example.org")).isEqualTo("write to ops@example.org");
    }

    @Test
    void assignmentsAndHeadersOfSecretsAreHidden() {
        assertThat(s.mask("BACKUP_ENCRYPTION_KEY = abc123")).isEqualTo("BACKUP_ENCRYPTION_KEY = ***");
        assertThat(s.mask("IPFS_CLUSTER_PASSWORD:hunter2, next")).isEqualTo("IPFS_CLUSTER_PASSWORD:***, next");
        assertThat(s.mask("Proxy-Authorization: Basic Zm9vOmJhcg==")).isEqualTo("Proxy-Authorization: ***");
        assertThat(s.mask("\"Authorization\": \"Bearer abc.def\"")).isEqualTo("\"Authorization\": \"***\"");
        assertThat(s.mask("secret='a b c'")).isEqualTo("secret=***");
    }

    @Test
    void ordinaryWordsStay() {
        String text = "password authentication failed for user backup; basic checks passed; key rotation due";
        assertThat(s.mask(text)).isEqualTo(text);
        assertThat(s.mask(null)).isNull();
    }

    @Test
    void privateKeysAreRemovedWhole() {
        String pem = "before -----BEGIN RSA PRIVATE KEY-----\nMIIEabc\ndef\n-----END RSA PRIVATE KEY----- after";
        assertThat(s.mask(pem)).isEqualTo("before [private key removed] after");
        assertThat(s.mask("-----BEGIN PRIVATE KEY-----\nMIIEcut")).isEqualTo("[private key removed]");
    }

    @Test
    void aLongerKnownSecretIsHiddenBeforeItsPrefix() {
        Masking known = new Masking(java.util.Arrays.asList("abcd", "abcdefgh", null));
        assertThat(known.mask("x abcdefgh y abcd")).isEqualTo("x *** y ***");
        assertThat(new Masking(List.of("abc")).mask("abc")).isEqualTo("abc");
    }

    @Test
    void uriUserInfoAndQuerySecretsAreHidden() {
        // was ConfigTest.durationsAndMasking (config.Masking)
        assertThat(Masking.maskUri("mongodb://admin:s3cret@db1:27017/?authSource=admin&password=p"))
                .isEqualTo("mongodb://***@db1:27017/?authSource=admin&password=***");
        // was DumpSettingsTest.secretsAreMaskedInUrisAndVerbatim (dump.Secrets, which kept the user and masked with ****)
        assertThat(Masking.maskUri("x mongodb+srv://u:p%40ss@h/db y mongodb://h2/ z"))
                .isEqualTo("x mongodb+srv://***@h/db y mongodb://h2/ z");
    }

    @Test
    void thePasswordOfAUriIsHiddenRawAndDecodedWherever() {
        // was DumpSettingsTest.secretsAreMaskedInUrisAndVerbatim
        String uri = "mongodb://u:p%40ssword@h/";
        assertThat(Masking.forUri(uri).mask("auth failed for p@ssword and p%40ssword")).isEqualTo("auth failed for *** and ***");
        assertThat(Masking.forUri("mongodb://h/").mask("no secrets here")).isEqualTo("no secrets here");
        // was MongorestoreEngineTest.masking
        assertThat(Masking.forUri("mongodb://u:Pa55%2Fword@h/").mask(
                "auth failed for Pa55%2Fword and Pa55/word at mongodb://u:Pa55%2Fword@h/"))
                .isEqualTo("auth failed for *** and *** at mongodb://***@h/");
        assertThat(Masking.forUri("mongodb://u:Pa55%2Fword@h/").mask(null)).isNull();
        assertThat(Masking.forUri(null).mask("text")).isEqualTo("text");
        assertThat(Masking.forUri(" mongodb://user-only@h/").mask("user-only")).isEqualTo("user-only");
    }
}

package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bson.BsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.junit.jupiter.api.Test;

/** {@link UpdateDiff}: the server's $v:2 delta semantics, compared as canonical extended JSON (order and types). */
class OplogUpdateDiffTest {

    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

    private static String apply(String pre, String diff) {
        return UpdateDiff.apply(BsonDocument.parse(pre), BsonDocument.parse(diff)).toJson(CANONICAL);
    }

    private static String canonical(String json) {
        return BsonDocument.parse(json).toJson(CANONICAL);
    }

    @Test
    void updatesInPlaceDeletesAndAppendsInsertsAfterNewUpdates() {
        String post = apply("{_id: 1, a: 1, b: 2, c: 3, d: 4}",
                "{d: {b: false}, u: {a: 10, z: {$numberLong: '26'}}, i: {c: 'moved', n: 'new'}}");
        // a updated in place, b deleted, c (re-inserted) moves to the end after the update of the missing z
        assertThat(post).isEqualTo(canonical("{_id: 1, a: 10, d: 4, z: {$numberLong: '26'}, c: 'moved', n: 'new'}"));
    }

    @Test
    void nestedSubDiffsRewriteEmbeddedDocuments() {
        String post = apply("{_id: 1, name: 'x', addr: {city: 'A', zip: '1', geo: {lat: 1.5, lng: 2.5}}, after: true}",
                "{u: {name: 'y'}, saddr: {d: {zip: false}, u: {city: 'B'}, i: {country: 'NL'}, sgeo: {u: {lat: 5.25}}}}");
        assertThat(post).isEqualTo(canonical(
                "{_id: 1, name: 'y', addr: {city: 'B', geo: {lat: 5.25, lng: 2.5}, country: 'NL'}, after: true}"));
    }

    @Test
    void arrayDiffTruncatesWithLengthAndUpdatesElements() {
        assertThat(apply("{_id: 1, tags: ['a', 'b', 'c', 'd']}", "{stags: {a: true, l: 2, u0: 'A'}}"))
                .isEqualTo(canonical("{_id: 1, tags: ['A', 'b']}"));
    }

    @Test
    void arrayDiffGrowsWithNullPadding() {
        assertThat(apply("{_id: 1, tags: ['a', 'b']}", "{stags: {a: true, u4: 'e'}}"))
                .isEqualTo(canonical("{_id: 1, tags: ['a', 'b', null, null, 'e']}"));
        assertThat(apply("{_id: 1, tags: ['a']}", "{stags: {a: true, l: 3, u1: 'b'}}"))
                .isEqualTo(canonical("{_id: 1, tags: ['a', 'b', null]}"));
    }

    @Test
    void arraysOfDocumentsAndNestedArrays() {
        String post = apply("{_id: 1, items: [{sku: 'x', qty: 1}, {sku: 'y', qty: 2, tags: ['p']}], m: [[1, 2], [3]]}",
                "{sitems: {a: true, s1: {u: {qty: 5}, stags: {a: true, u1: 'q'}}, u2: {sku: 'z', qty: 1}},"
                        + " sm: {a: true, s0: {a: true, l: 1}, s1: {a: true, u1: 4}}}");
        assertThat(post).isEqualTo(canonical(
                "{_id: 1, items: [{sku: 'x', qty: 1}, {sku: 'y', qty: 5, tags: ['p', 'q']}, {sku: 'z', qty: 1}],"
                        + " m: [[1], [3, 4]]}"));
    }

    @Test
    void arrayIndexesAreNumericNotLexicographic() {
        String pre = "{_id: 1, v: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}";
        assertThat(apply(pre, "{sv: {a: true, u2: 'two', u10: 'ten'}}"))
                .isEqualTo(canonical("{_id: 1, v: [0, 1, 'two', 3, 4, 5, 6, 7, 8, 9, 'ten', 11]}"));
    }

    @Test
    void typeMismatchesBecomeNullAndMissingFieldsAreLeftAlone() {
        // the server's rule when re-applying: a later entry overwrites the value
        assertThat(apply("{_id: 1, a: 'text', b: {x: 1}, arr: [1, 'two']}",
                "{sa: {u: {x: 1}}, sb: {a: true, u0: 1}, sgone: {u: {x: 1}}, sarr: {a: true, s1: {u: {y: 1}}, s3: {u: {z: 1}}}}"))
                .isEqualTo(canonical("{_id: 1, a: null, b: null, arr: [1, null, null, null]}"));
    }

    @Test
    void inputsAreNotModified() {
        BsonDocument pre = BsonDocument.parse("{_id: 1, a: {b: 1}}");
        BsonDocument diff = BsonDocument.parse("{sa: {u: {b: 2}}}");
        UpdateDiff.apply(pre, diff);
        assertThat(pre.toJson(CANONICAL)).isEqualTo(canonical("{_id: 1, a: {b: 1}}"));
        assertThat(diff.toJson(CANONICAL)).isEqualTo(canonical("{sa: {u: {b: 2}}}"));
    }

    @Test
    void malformedDiffsAreRejected() {
        String pre = "{_id: 1, a: [1, 2], b: 1}";
        assertThatThrownBy(() -> apply(pre, "{x: {a: 1}}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unexpected section 'x'");
        assertThatThrownBy(() -> apply(pre, "{u: {b: 2}, d: {b: false}}")).hasMessageContaining("unexpected section 'd'");
        assertThatThrownBy(() -> apply(pre, "{d: {b: false}, u: {b: 2}}")).hasMessageContaining("'b' appears twice");
        assertThatThrownBy(() -> apply(pre, "{b: {b: {o: 0}}}")).hasMessageContaining("binary diff sections");
        assertThatThrownBy(() -> apply(pre, "{sa: {a: true, l: 1, u3: 0}}")).hasMessageContaining("beyond its new length 1");
        assertThatThrownBy(() -> apply(pre, "{sa: {a: true, x0: 1}}")).hasMessageContaining("unexpected field 'x0'");
        assertThatThrownBy(() -> apply(pre, "{sa: {a: true, 'u-1': 1}}")).hasMessageContaining("bad array index");
        assertThatThrownBy(() -> apply(pre, "{sa: {a: true, u: 1}}")).hasMessageContaining("bad array index");
        assertThatThrownBy(() -> apply(pre, "{sa: {a: false, u0: 1}}")).hasMessageContaining("must be true");
        assertThatThrownBy(() -> apply(pre, "{a: true, u0: 1}")).hasMessageContaining("expected a document diff");
        assertThatThrownBy(() -> apply(pre, "{}")).hasMessageContaining("empty diff");
    }
}

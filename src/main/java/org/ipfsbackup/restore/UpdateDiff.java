package org.ipfsbackup.restore;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * Applies a MongoDB 5+ {@code $v:2} update delta (the {@code diff} of an oplog {@code u} entry
 * {@code {"$v": 2, "diff": {...}}}) to a document, computing the post-image in Java exactly as the server's
 * {@code doc_diff} applier does, field order included.
 *
 * <p>A <b>document diff</b> has, in this order, the optional sections {@code d} (fields to delete,
 * {@code {field: false}}), {@code u} (fields to update), {@code i} (fields to insert), then any number of
 * {@code s<field>} sub-diffs. Applied to a pre-image, field by field in pre-image order:
 * <ul>
 *   <li>a field in {@code d} is removed;</li>
 *   <li>a field in {@code u} gets its new value in place;</li>
 *   <li>a field in {@code i} is removed from its place and appended at the end;</li>
 *   <li>a field with a sub-diff {@code s<field>} is rewritten by the sub-diff when the types agree (object with a
 *       document diff, array with an array diff); on a type mismatch the field becomes {@code null} (the server's
 *       rule: a later entry overwrites it); a sub-diff of a field that does not exist does nothing;</li>
 *   <li>other fields are kept.</li>
 * </ul>
 * Then the {@code u} fields that were not in the pre-image, followed by the {@code i} fields, are appended in
 * diff order.
 *
 * <p>An <b>array diff</b> starts with {@code a: true}, optionally followed by {@code l} (the new length: the
 * array is truncated to it, or padded with {@code null}), then modifications by ascending index: {@code u<N>}
 * sets element N, {@code s<N>} applies a sub-diff (document or array diff) to element N. Elements past the end
 * of the pre-image are padded with {@code null}; a sub-diff of a missing element, or of an element of the wrong
 * type, yields {@code null}.
 *
 * <p>Malformed diffs (unknown or out-of-order sections, a field named twice, a bad index, a modification beyond
 * {@code l}) and the binary section {@code b} of MongoDB 8's binary deltas throw {@link IllegalArgumentException}.
 */
final class UpdateDiff {

    private static final String ARRAY_HEADER = "a";
    private static final String RESIZE = "l";

    private UpdateDiff() {
    }

    /** The post-image of {@code preImage} under the document diff {@code diff}; neither argument is modified. */
    static BsonDocument apply(BsonDocument preImage, BsonDocument diff) {
        if (isArrayDiff(diff)) {
            throw new IllegalArgumentException("expected a document diff but got an array diff: " + diff.toJson());
        }
        return applyToDocument(preImage, diff);
    }

    private static boolean isArrayDiff(BsonDocument diff) {
        if (diff.isEmpty()) {
            throw new IllegalArgumentException("empty diff");
        }
        return diff.getFirstKey().equals(ARRAY_HEADER);
    }

    private sealed interface Mod permits Delete, Update, Insert, Sub {
    }

    private record Delete() implements Mod {
    }

    private record Update(BsonValue value) implements Mod {
    }

    private record Insert(BsonValue value) implements Mod {
    }

    private record Sub(BsonDocument diff) implements Mod {
    }

    private static BsonDocument applyToDocument(BsonDocument pre, BsonDocument diff) {
        Map<String, Mod> mods = new HashMap<>();
        // 'u' fields then 'i' fields, in diff order: appended at the end unless placed already
        Map<String, BsonValue> toAppend = new LinkedHashMap<>();
        int lastSection = 0;
        for (Map.Entry<String, BsonValue> section : diff.entrySet()) {
            String name = section.getKey();
            int order = switch (name) {
                case "d" -> 1;
                case "u" -> 2;
                case "i" -> 3;
                case "b" -> throw new IllegalArgumentException(
                        "binary diff sections ('b') are not supported: " + diff.toJson());
                default -> name.length() > 1 && name.charAt(0) == 's' ? 5 : -1;
            };
            if (order < 0 || order < lastSection || (order == lastSection && order != 5)) {
                throw new IllegalArgumentException("unexpected section '" + name + "' in document diff " + diff.toJson());
            }
            lastSection = order;
            if (!section.getValue().isDocument()) {
                throw new IllegalArgumentException("diff section '" + name + "' must be a document: " + diff.toJson());
            }
            BsonDocument body = section.getValue().asDocument();
            switch (name) {
                case "d" -> body.keySet().forEach(field -> put(mods, field, new Delete(), diff));
                case "u" -> body.forEach((field, value) -> {
                    put(mods, field, new Update(value), diff);
                    toAppend.put(field, value);
                });
                case "i" -> body.forEach((field, value) -> {
                    put(mods, field, new Insert(value), diff);
                    toAppend.put(field, value);
                });
                default -> {
                    if (body.isEmpty()) {
                        throw new IllegalArgumentException("empty sub-diff '" + name + "' in " + diff.toJson());
                    }
                    put(mods, name.substring(1), new Sub(body), diff);
                }
            }
        }

        BsonDocument out = new BsonDocument();
        Set<String> placed = new HashSet<>();
        for (Map.Entry<String, BsonValue> field : pre.entrySet()) {
            String name = field.getKey();
            BsonValue value = field.getValue();
            Mod mod = mods.get(name);
            if (mod == null) {
                out.put(name, value);
            } else if (mod instanceof Update update) {
                out.put(name, update.value());
                placed.add(name);
            } else if (mod instanceof Sub sub) {
                out.put(name, applySubDiff(value, sub.diff()));
            }
            // Delete: dropped; Insert: dropped here, appended below
        }
        toAppend.forEach((name, value) -> {
            if (!placed.contains(name)) {
                out.put(name, value);
            }
        });
        return out;
    }

    private static void put(Map<String, Mod> mods, String field, Mod mod, BsonDocument diff) {
        if (mods.putIfAbsent(field, mod) != null) {
            throw new IllegalArgumentException("field '" + field + "' appears twice in diff " + diff.toJson());
        }
    }

    /** The value of a field or element rewritten by a sub-diff, or null on a type mismatch. */
    private static BsonValue applySubDiff(BsonValue value, BsonDocument subDiff) {
        if (isArrayDiff(subDiff)) {
            return value != null && value.isArray() ? applyToArray(value.asArray(), subDiff) : BsonNull.VALUE;
        }
        return value != null && value.isDocument() ? applyToDocument(value.asDocument(), subDiff) : BsonNull.VALUE;
    }

    private static BsonArray applyToArray(BsonArray pre, BsonDocument diff) {
        Integer newSize = null;
        TreeMap<Integer, Map.Entry<Character, BsonValue>> mods = new TreeMap<>();
        boolean first = true;
        for (Map.Entry<String, BsonValue> field : diff.entrySet()) {
            String name = field.getKey();
            BsonValue value = field.getValue();
            if (first) {
                if (!value.isBoolean() || !value.asBoolean().getValue()) {
                    throw new IllegalArgumentException("array diff header 'a' must be true: " + diff.toJson());
                }
                first = false;
                continue;
            }
            if (name.equals(RESIZE)) {
                if (newSize != null || !mods.isEmpty() || !value.isNumber() || value.asNumber().intValue() < 0
                        || value.asNumber().doubleValue() != value.asNumber().intValue()) {
                    throw new IllegalArgumentException("bad 'l' (new length) in array diff " + diff.toJson());
                }
                newSize = value.asNumber().intValue();
                continue;
            }
            char kind = name.isEmpty() ? '?' : name.charAt(0);
            int index = index(name, diff);
            if (kind == 's') {
                if (!value.isDocument() || value.asDocument().isEmpty()) {
                    throw new IllegalArgumentException("sub-diff '" + name + "' must be a non-empty document: " + diff.toJson());
                }
            } else if (kind != 'u') {
                throw new IllegalArgumentException("unexpected field '" + name + "' in array diff " + diff.toJson());
            }
            if (mods.put(index, Map.entry(kind, value)) != null) {
                throw new IllegalArgumentException("index " + index + " appears twice in array diff " + diff.toJson());
            }
        }
        if (newSize != null && !mods.isEmpty() && mods.lastKey() >= newSize) {
            throw new IllegalArgumentException("array diff modifies index " + mods.lastKey() + " beyond its new length "
                    + newSize + ": " + diff.toJson());
        }
        int length = newSize != null ? newSize : Math.max(pre.size(), mods.isEmpty() ? 0 : mods.lastKey() + 1);
        BsonArray out = new BsonArray();
        for (int i = 0; i < length; i++) {
            BsonValue element = i < pre.size() ? pre.get(i) : null;
            Map.Entry<Character, BsonValue> mod = mods.get(i);
            if (mod == null) {
                out.add(element != null ? element : BsonNull.VALUE);
            } else if (mod.getKey() == 'u') {
                out.add(mod.getValue());
            } else {
                out.add(applySubDiff(element, mod.getValue().asDocument()));
            }
        }
        return out;
    }

    private static int index(String name, BsonDocument diff) {
        String digits = name.length() > 1 ? name.substring(1) : "";
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9') || digits.length() > 9) {
            throw new IllegalArgumentException("bad array index in field '" + name + "' of array diff " + diff.toJson());
        }
        return Integer.parseInt(digits);
    }
}

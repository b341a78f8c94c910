package org.ipfsbackup.restore;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDbPointer;
import org.bson.BsonDocument;
import org.bson.BsonJavaScriptWithScope;
import org.bson.BsonRegularExpression;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * MongoDB's comparison order for BSON values with the simple (binary) collation, as the server uses it to sort
 * {@code _id}: MinKey &lt; undefined &lt; null &lt; numbers (by value, across int/long/double/decimal; NaN
 * lowest) &lt; strings and symbols (UTF-8 bytes) &lt; objects &lt; arrays &lt; binary (length, subtype, bytes)
 * &lt; ObjectId &lt; boolean &lt; date &lt; timestamp &lt; regex &lt; DBPointer &lt; code &lt; code with scope
 * &lt; MaxKey. Objects compare element by element: type rank, then field name, then value.
 */
final class BsonValueOrder implements Comparator<BsonValue> {

    static final BsonValueOrder INSTANCE = new BsonValueOrder();

    private BsonValueOrder() {
    }

    static int rank(BsonValue v) {
        switch (v.getBsonType()) {
            case MIN_KEY: return -1;
            case UNDEFINED: return 0;
            case NULL: return 5;
            case INT32: case INT64: case DOUBLE: case DECIMAL128: return 10;
            case STRING: case SYMBOL: return 15;
            case DOCUMENT: return 20;
            case ARRAY: return 25;
            case BINARY: return 30;
            case OBJECT_ID: return 35;
            case BOOLEAN: return 40;
            case DATE_TIME: return 45;
            case TIMESTAMP: return 47;
            case REGULAR_EXPRESSION: return 50;
            case DB_POINTER: return 55;
            case JAVASCRIPT: return 60;
            case JAVASCRIPT_WITH_SCOPE: return 65;
            case MAX_KEY: return 127;
            default: throw new IllegalArgumentException("cannot order BSON type " + v.getBsonType());
        }
    }

    @Override
    public int compare(BsonValue a, BsonValue b) {
        int byRank = Integer.compare(rank(a), rank(b));
        if (byRank != 0) {
            return byRank;
        }
        switch (a.getBsonType()) {
            case MIN_KEY: case MAX_KEY: case UNDEFINED: case NULL:
                return 0;
            case INT32: case INT64: case DOUBLE: case DECIMAL128:
                return compareNumbers(a, b);
            case STRING: case SYMBOL:
                return compareUtf8(text(a), text(b));
            case DOCUMENT:
                return compareDocuments(a.asDocument(), b.asDocument());
            case ARRAY:
                return compareArrays(a.asArray(), b.asArray());
            case BINARY:
                return compareBinary(a.asBinary(), b.asBinary());
            case OBJECT_ID:
                return a.asObjectId().getValue().compareTo(b.asObjectId().getValue());
            case BOOLEAN:
                return Boolean.compare(a.asBoolean().getValue(), b.asBoolean().getValue());
            case DATE_TIME:
                return Long.compare(a.asDateTime().getValue(), b.asDateTime().getValue());
            case TIMESTAMP:
                return Long.compareUnsigned(a.asTimestamp().getValue(), b.asTimestamp().getValue());
            case REGULAR_EXPRESSION: {
                BsonRegularExpression x = a.asRegularExpression();
                BsonRegularExpression y = b.asRegularExpression();
                int c = compareUtf8(x.getPattern(), y.getPattern());
                return c != 0 ? c : compareUtf8(x.getOptions(), y.getOptions());
            }
            case DB_POINTER: {
                BsonDbPointer x = a.asDBPointer();
                BsonDbPointer y = b.asDBPointer();
                int c = compareUtf8(x.getNamespace(), y.getNamespace());
                return c != 0 ? c : x.getId().compareTo(y.getId());
            }
            case JAVASCRIPT:
                return compareUtf8(a.asJavaScript().getCode(), b.asJavaScript().getCode());
            case JAVASCRIPT_WITH_SCOPE: {
                BsonJavaScriptWithScope x = a.asJavaScriptWithScope();
                BsonJavaScriptWithScope y = b.asJavaScriptWithScope();
                int c = compareUtf8(x.getCode(), y.getCode());
                return c != 0 ? c : compareDocuments(x.getScope(), y.getScope());
            }
            default:
                throw new IllegalArgumentException("cannot order BSON type " + a.getBsonType());
        }
    }

    private static String text(BsonValue v) {
        return v.isString() ? v.asString().getValue() : v.asSymbol().getSymbol();
    }

    static int compareUtf8(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    }

    private int compareDocuments(BsonDocument a, BsonDocument b) {
        Iterator<Map.Entry<String, BsonValue>> x = a.entrySet().iterator();
        Iterator<Map.Entry<String, BsonValue>> y = b.entrySet().iterator();
        while (x.hasNext() && y.hasNext()) {
            Map.Entry<String, BsonValue> ex = x.next();
            Map.Entry<String, BsonValue> ey = y.next();
            int c = Integer.compare(rank(ex.getValue()), rank(ey.getValue()));
            if (c == 0) {
                c = compareUtf8(ex.getKey(), ey.getKey());
            }
            if (c == 0) {
                c = compare(ex.getValue(), ey.getValue());
            }
            if (c != 0) {
                return c;
            }
        }
        return Boolean.compare(x.hasNext(), y.hasNext());
    }

    private int compareArrays(BsonArray a, BsonArray b) {
        List<BsonValue> x = a.getValues();
        List<BsonValue> y = b.getValues();
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            int c = Integer.compare(rank(x.get(i)), rank(y.get(i)));
            if (c == 0) {
                c = compare(x.get(i), y.get(i));
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.size(), y.size());
    }

    private static int compareBinary(BsonBinary a, BsonBinary b) {
        int c = Integer.compare(a.getData().length, b.getData().length);
        if (c == 0) {
            c = Integer.compare(a.getType() & 0xFF, b.getType() & 0xFF);
        }
        return c != 0 ? c : java.util.Arrays.compareUnsigned(a.getData(), b.getData());
    }

    /** Numbers by value; NaN equals NaN and is below every other number. */
    private static int compareNumbers(BsonValue a, BsonValue b) {
        boolean nanA = isNaN(a);
        boolean nanB = isNaN(b);
        if (nanA || nanB) {
            return Boolean.compare(!nanA, !nanB);
        }
        int infA = infinity(a);
        int infB = infinity(b);
        if (infA != 0 || infB != 0) {
            return Integer.compare(infA, infB); // a finite number counts as 0, between the two infinities
        }
        return exact(a).compareTo(exact(b));
    }

    private static boolean isNaN(BsonValue v) {
        return v.isDouble() ? Double.isNaN(v.asDouble().getValue())
                : v.isDecimal128() && v.asDecimal128().getValue().isNaN();
    }

    /** -1 for negative infinity, 1 for positive infinity, 0 for a finite number. */
    private static int infinity(BsonValue v) {
        if (v.isDouble() && Double.isInfinite(v.asDouble().getValue())) {
            return v.asDouble().getValue() > 0 ? 1 : -1;
        }
        if (v.isDecimal128() && v.asDecimal128().getValue().isInfinite()) {
            return v.asDecimal128().getValue().isNegative() ? -1 : 1;
        }
        return 0;
    }

    private static BigDecimal exact(BsonValue v) {
        switch (v.getBsonType()) {
            case INT32: return BigDecimal.valueOf(v.asInt32().getValue());
            case INT64: return BigDecimal.valueOf(v.asInt64().getValue());
            case DOUBLE: return new BigDecimal(v.asDouble().getValue());
            default: {
                Decimal128 d = v.asDecimal128().getValue();
                try {
                    return d.bigDecimalValue();
                } catch (ArithmeticException negativeZero) {
                    return BigDecimal.ZERO;
                }
            }
        }
    }
}

package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

class BsonValueOrderTest {

    private static int cmp(BsonValue a, BsonValue b) {
        return Integer.signum(BsonValueOrder.INSTANCE.compare(a, b));
    }

    /** Each value strictly below the next, in MongoDB's documented order. */
    @Test
    void followsMongoDbComparisonOrder() {
        List<BsonValue> ascending = List.of(
                new BsonMinKey(),
                BsonNull.VALUE,
                new BsonDouble(Double.NaN),
                new BsonDouble(Double.NEGATIVE_INFINITY),
                new BsonInt64(Long.MIN_VALUE),
                new BsonInt32(-1),
                new BsonDouble(0.0),
                new BsonDecimal128(Decimal128.parse("0.5")),
                new BsonInt32(1),
                new BsonDouble(9_007_199_254_740_993.0), // 2^53 + 1 is not a double: this is 2^53
                new BsonInt64(9_007_199_254_740_993L),
                new BsonDecimal128(Decimal128.POSITIVE_INFINITY),
                new BsonString(""),
                new BsonString("A"),
                new BsonString("a"),
                new BsonString("\uFFFD"),
                new BsonString("\uD83D\uDE00"), // U+1F600: above U+FFFD in UTF-8, below it in UTF-16
                new BsonDocument(),
                new BsonDocument("a", new BsonInt32(5)),
                new BsonDocument("a", new BsonString("x")),
                new BsonDocument("a", new BsonString("x")).append("b", new BsonInt32(0)),
                new BsonDocument("b", new BsonString("a")),
                new BsonArray(),
                new BsonArray(List.of(new BsonInt32(1))),
                new BsonArray(List.of(new BsonInt32(1), new BsonInt32(0))),
                new BsonBinary(new byte[] {(byte) 0xFF}),
                new BsonBinary((byte) 4, new byte[] {0}),
                new BsonBinary(new byte[] {0, 0}),
                new BsonObjectId(new ObjectId(1, 0)),
                new BsonObjectId(new ObjectId(0xFFFF_FFFF, 0)),
                BsonBoolean.FALSE,
                BsonBoolean.TRUE,
                new BsonDateTime(-1),
                new BsonDateTime(0),
                new BsonTimestamp(1, 0),
                new BsonTimestamp(-1, 0), // seconds compare unsigned
                new BsonRegularExpression("a", "i"),
                new BsonRegularExpression("b"),
                new BsonJavaScript("x"),
                new BsonMaxKey());
        for (int i = 0; i < ascending.size(); i++) {
            for (int j = 0; j < ascending.size(); j++) {
                assertThat(cmp(ascending.get(i), ascending.get(j)))
                        .as("%s vs %s", ascending.get(i), ascending.get(j))
                        .isEqualTo(Integer.compare(i, j));
            }
        }
    }

    @Test
    void documentElementsCompareByTypeBeforeFieldName() {
        assertThat(cmp(new BsonDocument("b", new BsonInt32(0)), new BsonDocument("a", new BsonString("x")))).isNegative();
        assertThat(cmp(new BsonDocument("a", new BsonInt32(9)), new BsonDocument("b", new BsonInt64(0)))).isNegative();
    }

    @Test
    void numbersCompareByValueAcrossTypes() {
        assertThat(cmp(new BsonInt32(1), new BsonInt64(1))).isZero();
        assertThat(cmp(new BsonInt32(1), new BsonDouble(1.0))).isZero();
        assertThat(cmp(new BsonDecimal128(Decimal128.parse("1.000")), new BsonInt64(1))).isZero();
        assertThat(cmp(new BsonDouble(-0.0), new BsonInt32(0))).isZero();
        assertThat(cmp(new BsonDecimal128(Decimal128.NEGATIVE_ZERO), new BsonDouble(0.0))).isZero();
        assertThat(cmp(new BsonDouble(Double.NaN), new BsonDecimal128(Decimal128.NaN))).isZero();
        assertThat(cmp(new BsonDouble(0.1), new BsonDecimal128(Decimal128.parse("0.1")))).isPositive(); // 0.1d is 0.1000000000000000055...
        assertThat(cmp(new BsonDouble(Double.POSITIVE_INFINITY), new BsonDecimal128(Decimal128.POSITIVE_INFINITY))).isZero();
    }
}

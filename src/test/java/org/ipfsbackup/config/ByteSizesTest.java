package org.ipfsbackup.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizesTest {
    @Test
    void binaryAndDecimalUnits() {
        assertThat(ByteSizes.parse("X", "1GiB")).isEqualTo(1L << 30);
        assertThat(ByteSizes.parse("X", "1g")).isEqualTo(1L << 30);
        assertThat(ByteSizes.parse("X", "512 MiB")).isEqualTo(512L << 20);
        assertThat(ByteSizes.parse("X", "10GB")).isEqualTo(10_000_000_000L);
        assertThat(ByteSizes.parse("X", "4096")).isEqualTo(4096);
        assertThat(ByteSizes.parse("X", "2kib")).isEqualTo(2048);
        assertThat(ByteSizes.parse("X", "3b")).isEqualTo(3);
    }

    @Test
    void badSizesNameTheSetting() {
        for (String bad : new String[] {"-1GiB", "0", "1.5GiB", "GiB", "1 PB", "", "99999999999TiB"}) {
            assertThatThrownBy(() -> ByteSizes.parse("BACKUP_CACHE_MAX (backup.cache.max)", bad)).as(bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("BACKUP_CACHE_MAX");
        }
    }
}

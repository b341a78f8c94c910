package org.ipfsbackup.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Date;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.quartz.CronExpression;

class CronTranslatorTest {

    @Test
    void seedFiveFieldFormBecomesQuartz() {
        assertThat(CronTranslator.toQuartz("S", "0 2 * * 0")).isEqualTo("0 0 2 ? * SUN");
        assertThat(CronTranslator.toQuartz("S", "0 2 * * *")).isEqualTo("0 0 2 * * ?");
        assertThat(CronTranslator.toQuartz("S", "30 1 * * 1-5")).isEqualTo("0 30 1 ? * MON-FRI");
        assertThat(CronTranslator.toQuartz("S", "0 3 1 * *")).isEqualTo("0 0 3 1 * ?");
        assertThat(CronTranslator.toQuartz("S", "*/15 * * * *")).isEqualTo("0 */15 * * * ?");
        assertThat(CronTranslator.toQuartz("S", "0 2 * * 7")).isEqualTo("0 0 2 ? * SUN");
        assertThat(CronTranslator.toQuartz("S", "0 2 * * 0,3")).isEqualTo("0 0 2 ? * SUN,WED");
        // accepted here, refused by cron-utils 9.2.1's Unix-to-Quartz mapper (why CronTranslator is not replaced by it)
        assertThat(CronTranslator.toQuartz("S", "0 2 * * Sun-Tue")).isEqualTo("0 0 2 ? * SUN-TUE");
        assertThat(CronTranslator.toQuartz("S", "0 2 L * *")).isEqualTo("0 0 2 L * ?");
        assertThat(CronTranslator.toQuartz("S", "0 2 15W * *")).isEqualTo("0 0 2 15W * ?");
        assertThat(CronTranslator.toQuartz("S", "0 2 ? * 1")).isEqualTo("0 0 2 ? * MON");
    }

    @Test
    void translatedSundayScheduleFiresOnSundayAtTwoUtc() throws Exception {
        CronExpression e = new CronExpression(CronTranslator.toQuartz("S", "0 2 * * 0"));
        e.setTimeZone(TimeZone.getTimeZone("UTC"));
        // Friday 2026-11-27 12:00 UTC -> next is Sunday 2026-11-29 02:00 UTC
        Date next = e.getNextValidTimeAfter(Date.from(ZonedDateTime.of(2026, 11, 27, 12, 0, 0, 0, ZoneOffset.UTC).toInstant()));
        assertThat(next.toInstant()).isEqualTo(ZonedDateTime.of(2026, 11, 29, 2, 0, 0, 0, ZoneOffset.UTC).toInstant());
    }

    @Test
    void unixRangesEndingOnSevenFireOnEveryDayTheyName() throws Exception {
        assertThat(CronTranslator.toQuartz("S", "0 2 * * 0-7")).isEqualTo("0 0 2 ? * SUN,MON,TUE,WED,THU,FRI,SAT");
        assertThat(CronTranslator.toQuartz("S", "0 2 * * 5-7")).isEqualTo("0 0 2 ? * SUN,FRI,SAT");
        assertThat(CronTranslator.toQuartz("S", "0 2 * * 1,5-7")).isEqualTo("0 0 2 ? * MON,SUN,FRI,SAT");
        CronExpression e = new CronExpression(CronTranslator.toQuartz("S", "0 2 * * 0-7"));
        e.setTimeZone(TimeZone.getTimeZone("UTC"));
        Date t = Date.from(ZonedDateTime.of(2026, 11, 27, 12, 0, 0, 0, ZoneOffset.UTC).toInstant());
        for (int day = 28; day <= 30; day++) { // Saturday, Sunday, Monday: every day at 02:00
            t = e.getNextValidTimeAfter(t);
            assertThat(t.toInstant()).isEqualTo(ZonedDateTime.of(2026, 11, day, 2, 0, 0, 0, ZoneOffset.UTC).toInstant());
        }
    }

    @Test
    void quartzSyntaxIsKept() {
        assertThat(CronTranslator.toQuartz("S", "0 0 2 ? * SUN")).isEqualTo("0 0 2 ? * SUN");
        assertThat(CronTranslator.toQuartz("S", "0 0 2 ? * SUN 2030")).isEqualTo("0 0 2 ? * SUN 2030");
    }

    @Test
    void badExpressionsNameTheSetting() {
        assertThatThrownBy(() -> CronTranslator.toQuartz("FULL_BACKUP_SCHEDULE", "0 25 * * 0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("FULL_BACKUP_SCHEDULE").hasMessageContaining("0 25 * * 0");
        assertThatThrownBy(() -> CronTranslator.toQuartz("FULL_BACKUP_SCHEDULE", "every sunday"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("FULL_BACKUP_SCHEDULE");
        assertThatThrownBy(() -> CronTranslator.toQuartz("X", "")).hasMessageContaining("X is empty");
        assertThatThrownBy(() -> CronTranslator.toQuartz("X", "0 2 * * 9")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> CronTranslator.toQuartz("X", "0 2 1 * 1")).hasMessageContaining("EITHER");
    }
}

package org.ipfsbackup.observe;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Context;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.logstash.logback.composite.AbstractFieldJsonProvider;
import net.logstash.logback.composite.loggingevent.LogLevelJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggerNameJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventFormattedTimestampJsonProvider;
import net.logstash.logback.composite.loggingevent.LoggingEventJsonProviders;
import net.logstash.logback.composite.loggingevent.LoggingEventThreadNameJsonProvider;
import net.logstash.logback.composite.loggingevent.MdcJsonProvider;
import net.logstash.logback.composite.loggingevent.MessageJsonProvider;
import net.logstash.logback.composite.loggingevent.StackTraceJsonProvider;
import net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder;
import net.logstash.logback.mask.MaskingJsonGeneratorDecorator;
import org.ipfsbackup.mongo.Masking;

/**
 * {@code BACKUP_LOG_FORMAT=json}: one object per line, written by logstash-logback-encoder's composite encoder with
 * the field names this application has always used: {@code time} (UTC, ISO-8601), {@code level}, {@code thread},
 * {@code logger}, {@code message}, {@code fields} (the {@code key=value} pairs of the application's own lines:
 * backup, step, durationMs, bytes...), {@code mdc} and {@code exception} (the stack trace). Every string value, the
 * message and the stack trace included, passes through {@link Masking#maskUri}: no credential reaches the log.
 */
final class JsonLogEncoder {

    private JsonLogEncoder() {
    }

    static LoggingEventCompositeJsonEncoder create(Context ctx) {
        LoggingEventJsonProviders providers = new LoggingEventJsonProviders();
        LoggingEventFormattedTimestampJsonProvider time = new LoggingEventFormattedTimestampJsonProvider();
        time.setFieldName("time");
        time.setPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX"); // as the text lines: millisecond precision, Z
        time.setTimeZone("UTC");
        providers.addTimestamp(time);
        providers.addLogLevel(named(new LogLevelJsonProvider(), "level"));
        providers.addThreadName(named(new LoggingEventThreadNameJsonProvider(), "thread"));
        providers.addLoggerName(named(new LoggerNameJsonProvider(), "logger"));
        providers.addMessage(named(new MessageJsonProvider(), "message"));
        providers.addProvider(new MessageFieldsJsonProvider());
        providers.addMdc(named(new MdcJsonProvider(), "mdc"));
        StackTraceJsonProvider stack = named(new StackTraceJsonProvider(), "exception");
        stack.setThrowableConverter(new ThrowableProxyConverter());
        providers.addStackTrace(stack);

        MaskingJsonGeneratorDecorator masking = new MaskingJsonGeneratorDecorator();
        masking.addValueMasker((path, value) -> {
            if (value instanceof CharSequence s) {
                String masked = Masking.maskUri(s.toString());
                return masked.equals(s.toString()) ? null : masked;
            }
            return null;
        });
        masking.start();

        LoggingEventCompositeJsonEncoder encoder = new LoggingEventCompositeJsonEncoder();
        encoder.setContext(ctx);
        encoder.setProviders(providers);
        encoder.setJsonGeneratorDecorator(masking);
        encoder.setLineSeparator("UNIX");
        encoder.start();
        return encoder;
    }

    private static <P extends AbstractFieldJsonProvider<ILoggingEvent>> P named(P provider, String fieldName) {
        provider.setFieldName(fieldName);
        return provider;
    }

    /** {@code fields}: the {@code key=value} pairs of the lines of the application's own loggers ({@code ipfs-backup.*}). */
    static final class MessageFieldsJsonProvider extends AbstractFieldJsonProvider<ILoggingEvent> {
        private static final Pattern KV = Pattern.compile("(?<![\\w.])([A-Za-z][A-Za-z0-9]*)=(\"[^\"]*\"|[^\\s,]+)");

        MessageFieldsJsonProvider() {
            setFieldName("fields");
        }

        @Override
        public void writeTo(JsonGenerator g, ILoggingEvent e) throws IOException {
            String message = e.getFormattedMessage();
            if (message == null || e.getLoggerName() == null || !e.getLoggerName().startsWith("ipfs-backup.")) {
                return;
            }
            Matcher m = KV.matcher(Masking.maskUri(message));
            boolean any = false;
            while (m.find()) {
                if (!any) {
                    g.writeObjectFieldStart(getFieldName());
                    any = true;
                }
                String v = m.group(2);
                g.writeStringField(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
            }
            if (any) {
                g.writeEndObject();
            }
        }
    }
}

package org.ipfsbackup.observe;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ipfsbackup.config.Masking;

/**
 * One JSON object per line ({@code BACKUP_LOG_FORMAT=json}): time, level, thread, logger, message (credentials
 * masked), the {@code key=value} pairs of the application's own messages as fields (backup, step, durationMs,
 * bytes...), and the stack trace (masked) when there is one.
 */
public class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern KV = Pattern.compile("(?<![\\w.])([A-Za-z][A-Za-z0-9]*)=(\"[^\"]*\"|[^\\s,]+)");
    private final ThrowableProxyConverter stack = new ThrowableProxyConverter();

    @Override
    public void start() {
        stack.start();
        super.start();
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            String message = Masking.maskUri(e.getFormattedMessage());
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(e.getTimeStamp()).toString());
            g.writeStringField("level", e.getLevel().toString());
            g.writeStringField("thread", e.getThreadName());
            g.writeStringField("logger", e.getLoggerName());
            g.writeStringField("message", message);
            if (e.getLoggerName().startsWith("ipfs-backup.") && message != null) {
                Matcher m = KV.matcher(message);
                boolean any = false;
                while (m.find()) {
                    if (!any) {
                        g.writeObjectFieldStart("fields");
                        any = true;
                    }
                    String v = m.group(2);
                    g.writeStringField(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
                }
                if (any) {
                    g.writeEndObject();
                }
            }
            Map<String, String> mdc = e.getMDCPropertyMap();
            if (mdc != null && !mdc.isEmpty()) {
                g.writeObjectFieldStart("mdc");
                for (Map.Entry<String, String> kv : mdc.entrySet()) {
                    g.writeStringField(kv.getKey(), Masking.maskUri(kv.getValue()));
                }
                g.writeEndObject();
            }
            if (e.getThrowableProxy() != null) {
                g.writeStringField("exception", Masking.maskUri(stack.convert(e)));
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        out.write('\n');
        return out.toByteArray();
    }
}

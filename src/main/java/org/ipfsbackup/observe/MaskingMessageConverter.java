package org.ipfsbackup.observe;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.ipfsbackup.mongo.Masking;

/** {@code %maskedMsg}: the log message with credentials in URIs (user info, password/token/key parameters) masked. */
public class MaskingMessageConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return Masking.maskUri(event.getFormattedMessage());
    }
}

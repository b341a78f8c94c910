package org.ipfsbackup.observe;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import org.ipfsbackup.mongo.Masking;

/** {@code %maskedEx}: stack traces with credentials in URIs masked (exception messages quote URIs too). */
public class MaskingThrowableConverter extends ThrowableProxyConverter {
    @Override
    protected String throwableProxyToString(IThrowableProxy tp) {
        return Masking.maskUri(super.throwableProxyToString(tp));
    }
}

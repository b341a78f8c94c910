package org.ipfsbackup.camel;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Header filter for the cluster HTTP calls: of the message headers only {@code Authorization} becomes an HTTP
 * request header (the job's paths and names stay inside the process); response headers are all kept.
 */
public class OnlyAuthorizationHeader implements HeaderFilterStrategy {
    @Override
    public boolean applyFilterToCamelHeaders(String name, Object value, Exchange exchange) {
        return !"Authorization".equalsIgnoreCase(name);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        return false;
    }
}

package org.ipfsbackup.ipfs;

/** Content was added but did not reach "pinned" on the required peers within ipfs.pin.timeout (a pin failure, not retried). */
public class PinTimeoutException extends IpfsException {
    public PinTimeoutException(String message) {
        super(message, false);
    }
}

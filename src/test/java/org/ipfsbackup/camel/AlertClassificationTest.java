package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import org.ipfsbackup.alert.AlertEvent;
import org.ipfsbackup.ipfs.IpfsException;
import org.ipfsbackup.ipfs.PinTimeoutException;
import org.junit.jupiter.api.Test;

/** A backup failure's alert comes from what was thrown, not from the name of the route it was thrown in. */
class AlertClassificationTest {
    @Test
    void aPinThatDidNotCompleteIsAPinFailureAnythingElseABackupFailure() {
        assertThat(AlertBinding.event(new PinTimeoutException("CID x was not pinned on 2 peers"))).isEqualTo(AlertEvent.PIN_FAILURE);
        assertThat(AlertBinding.event(new IllegalStateException("wrapped", new PinTimeoutException("not pinned")))).isEqualTo(AlertEvent.PIN_FAILURE);
        assertThat(AlertBinding.event(new IpfsException("cluster refused /pins: HTTP 400", false))).isEqualTo(AlertEvent.BACKUP_FAILURE);
        assertThat(AlertBinding.event(new java.io.IOException("No space left on device"))).isEqualTo(AlertEvent.BACKUP_FAILURE);
        assertThat(AlertBinding.event(null)).isEqualTo(AlertEvent.BACKUP_FAILURE);
    }
}

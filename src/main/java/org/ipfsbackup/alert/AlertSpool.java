package org.ipfsbackup.alert;

import java.util.List;

/** Alerts that could not be sent (SMTP down) are kept here until a later attempt succeeds: none is lost. */
public interface AlertSpool {
    /** Keeps an alert whose first send failed ({@code attempts} = 1); returns its id. Durable when it returns. */
    String keep(Alert a, String reason);

    /** Every kept alert, oldest first. */
    List<SpooledAlert> pending();

    /** The alert went out: forget it. Unknown ids are ignored (it may have been sent already). */
    void sent(String id);

    /** Another attempt failed: count it and remember why. Unknown ids are ignored. */
    void failedAgain(String id, String reason);
}

package org.ipfsbackup.alert;

/** Delivers one alert (e-mail, webhook); throws when it could not, so the alert is spooled. */
@FunctionalInterface
public interface AlertSender {
    void send(Alert alert) throws Exception;
}

package org.ipfsbackup.alert;

/** How urgent an alert is: CRITICAL needs action now (backups are not happening or not safe), WARNING soon, INFO none. */
public enum Severity {
    CRITICAL, WARNING, INFO
}

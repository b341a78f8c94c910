package org.ipfsbackup.observe;

import java.io.IOException;
import java.util.List;

/** {@link MetricsContractTest}'s check of the rules and the dashboard, for a scrape taken elsewhere (PromtoolStackTest). */
public final class MetricsContractTestAccess {
    private MetricsContractTestAccess() {
    }

    /** What the rules and the dashboard name that this scrape lacks (empty: nothing). */
    public static List<String> problems(String scrape) throws IOException {
        return MetricsContractTest.problems(MetricsContractTest.expressions(), scrape);
    }
}

package org.ipfsbackup.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Everything the real cluster can answer (the answers as ClusterClient and AddResponseParser document them), read correctly or refused clearly. */
class ClusterAnswersTest {

    @Test
    void arrayAnswerOfStreamChannelsFalse() {
        AddResult r = AddResponseParser.parse("[{\"name\":\"x.enc\",\"cid\":\"bafkreiabc\",\"size\":20,\"allocations\":[\"12D3A\",\"12D3B\"]}]\n", "n1");
        assertThat(r.cid()).isEqualTo("bafkreiabc");
        assertThat(r.size()).isEqualTo(20);
        assertThat(r.allocations()).containsExactly("12D3A", "12D3B");
    }

    @Test
    void ndjsonAnswerTakesTheLastObjectAsRoot() {
        AddResult r = AddResponseParser.parse("{\"name\":\"a\",\"cid\":\"Qm1\",\"size\":1}\n{\"name\":\"dir\",\"cid\":{\"/\":\"Qm2\"},\"size\":\"3\"}\n", "n1");
        assertThat(r.cid()).isEqualTo("Qm2");
        assertThat(r.size()).isEqualTo(3);
        assertThat(r.allocations()).isEmpty();
    }

    @Test
    void emptyOrRootlessOrErrorAnswersFail() {
        assertThatThrownBy(() -> AddResponseParser.parse("", "n1")).isInstanceOf(IpfsException.class).hasMessageContaining("empty body");
        assertThatThrownBy(() -> AddResponseParser.parse("[]", "n1")).hasMessageContaining("no object");
        assertThatThrownBy(() -> AddResponseParser.parse("[{\"name\":\"x\"}]", "n1")).hasMessageContaining("without a root CID");
        assertThatThrownBy(() -> AddResponseParser.parse("{\"code\":500,\"message\":\"not enough peers to allocate CID\"}", "n1"))
                .hasMessageContaining("not enough peers");
        assertThatThrownBy(() -> AddResponseParser.parse("<html>proxy error</html>", "n1")).hasMessageContaining("not JSON");
    }

    @Test
    void pinStatusNeedsEveryAllocatedPeerPinned() {
        String body = "{\"cid\":\"bafy1\",\"name\":\"n\",\"allocations\":[\"A\",\"B\"],\"origins\":[],\"created\":\"2026-11-27T00:00:00Z\","
                + "\"metadata\":null,\"peer_map\":{\"A\":{\"peername\":\"p0\",\"status\":\"pinned\",\"error\":\"\"},"
                + "\"B\":{\"peername\":\"p1\",\"status\":\"pinning\",\"error\":\"\"}}}";
        PinStatus s = ClusterClient.parseStatus(body);
        assertThat(s.pinnedOnAll(2)).isFalse();
        assertThat(s.pinnedPeers()).containsExactly("A");
        PinStatus done = ClusterClient.parseStatus(body.replace("pinning", "pinned"));
        assertThat(done.pinnedOnAll(2)).isTrue();
        assertThat(done.pinnedOnAll(3)).isFalse();
        PinStatus err = ClusterClient.parseStatus(body.replace("\"pinning\",\"error\":\"\"", "\"cluster_error\",\"error\":\"dial refused\""));
        assertThat(err.failures()).singleElement().asString().contains("p1").contains("cluster_error").contains("dial refused");
    }

    @Test
    void unknownCidAnswersUnpinnedEverywhereAndIsNotPinned() {
        PinStatus s = ClusterClient.parseStatus("{\"cid\":\"bafy1\",\"allocations\":null,\"peer_map\":{\"A\":{\"peername\":\"p0\",\"status\":\"unpinned\"},"
                + "\"B\":{\"peername\":\"p1\",\"status\":\"unpinned\"}}}");
        assertThat(s.pinnedOnAll(2)).isFalse();
        assertThat(s.requiredPeers()).containsExactly("A", "B");
    }
}

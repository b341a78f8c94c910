package org.ipfsbackup.drill;

/**
 * What a collection held when it was backed up (or restored): its documents and their order-independent digest.
 *
 * @param namespace {@code db.collection}
 * @param documents number of documents
 * @param digest    hex of the sum mod 2^256 of the sha256 of each document's raw BSON bytes ({@link ContentDigest})
 */
public record CollectionDigest(String namespace, long documents, String digest) {
}

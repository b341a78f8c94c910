package org.ipfsbackup.cli;

import java.nio.file.Path;
import org.ipfsbackup.crypto.DecryptResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "decrypt", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup decrypt backup.tar.gz.enc -o backup.tar.gz"},
        description = "Decrypt a backup file (authenticating every byte); nothing is written unless all of it is authentic.")
class DecryptCommand extends CliCommand.Configured {
    @Parameters(index = "0", paramLabel = "IN")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT")
    Path output;

    @Option(names = "--wrapped-key", paramLabel = "KEY", description = "the backup's wrappedKey from its manifest entry (list --json): "
            + "tried before the key in the file's header, e.g. after rekey when the file's own key was retired")
    String wrappedKey;

    @Override
    public Integer call() throws Exception {
        org.ipfsbackup.crypto.WrappedKey manifestKey;
        try {
            manifestKey = wrappedKey == null ? null : org.ipfsbackup.crypto.WrappedKey.parse(wrappedKey);
        } catch (IllegalArgumentException e) {
            throw usage("--wrapped-key: " + e.getMessage());
        }
        DecryptResult r = KeyOptions.cipher(options).decrypt(input, output, manifestKey);
        err().printf("decrypted %s -> %s: %d bytes (key id %s)%n", input, output, r.plainBytes(), r.keyId());
        return 0;
    }
}

package org.ipfsbackup.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ipfsbackup.crypto.DecryptResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "decrypt", description = "Decrypt a backup file (authenticating every byte); nothing is written unless all of it is authentic.")
class DecryptCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "IN")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT")
    Path output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DecryptResult r = KeyOptions.cipher(options).decrypt(input, output);
        spec.commandLine().getErr().printf("decrypted %s -> %s: %d bytes (key id %s)%n", input, output, r.plainBytes(), r.keyId());
        return 0;
    }
}

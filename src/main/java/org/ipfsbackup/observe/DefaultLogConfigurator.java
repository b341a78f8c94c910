package org.ipfsbackup.observe;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's first configuration, in code: the same as the packaged logback.xml (masked text on stderr, root at
 * IPFS_BACKUP_LOG_LEVEL, default INFO, the same quiet loggers) without parsing XML. Parsing logback.xml loads an XML
 * parser and some 300 classes more, about a fifth of a second of CPU in every cold JVM, and one-shot commands
 * replace that configuration right after ({@link LogSetup#configureOneShot}). Registered in
 * META-INF/services/ch.qos.logback.classic.spi.Configurator; steps aside (logback reads its files as usual) when
 * {@code -Dlogback.configurationFile} is given or a logback-test.xml is on the class path (the tests').
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class DefaultLogConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (System.getProperty("logback.configurationFile") != null
                || DefaultLogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        String level = System.getProperty("IPFS_BACKUP_LOG_LEVEL", System.getenv().getOrDefault("IPFS_BACKUP_LOG_LEVEL", "INFO"));
        LogSetup.configure(ctx, false, null, level);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}

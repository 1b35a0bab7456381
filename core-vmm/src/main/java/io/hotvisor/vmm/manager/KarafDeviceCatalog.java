package io.hotvisor.vmm.manager;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.karaf.features.Capability;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DeviceCatalog} of Karaf's features repository: a feature that provides device
 * models says so with {@code <capability>hotvisor.device;models:List<String>="a,b"</capability>}.
 */
@Component(service = DeviceCatalog.class)
public final class KarafDeviceCatalog implements DeviceCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(KarafDeviceCatalog.class);
    private static final Pattern MODELS = Pattern.compile(
            "^\\s*" + Pattern.quote(NAMESPACE) + "\\s*;.*\\bmodels(?::List<String>)?\\s*=\\s*\"([^\"]*)\"");

    private final FeaturesService features;

    @Activate
    public KarafDeviceCatalog(@Reference FeaturesService features) {
        this.features = features;
    }

    @Override
    public Optional<String> featureProviding(String model) {
        try {
            for (Feature feature : features.listFeatures()) {
                for (Capability capability : feature.getCapabilities()) {
                    if (models(capability.getValue()).anyMatch(model::equals)) {
                        return Optional.of(feature.getName());
                    }
                }
            }
        } catch (Exception e) {
            LOG.warn("cannot read the features repository: {}", e.toString());
        }
        return Optional.empty();
    }

    /** The models a capability clause lists (none when it is another namespace). */
    static java.util.stream.Stream<String> models(String clause) {
        Matcher matcher = MODELS.matcher(clause == null ? "" : clause);
        return matcher.find() ? Arrays.stream(matcher.group(1).split(",")).map(String::trim) : java.util.stream.Stream.empty();
    }
}

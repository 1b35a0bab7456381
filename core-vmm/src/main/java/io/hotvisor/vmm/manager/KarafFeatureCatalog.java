package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.VmSpec;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Capability;
import org.apache.karaf.features.Dependency;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link FeatureCatalog} of Karaf's features repository, e.g.
 * {@code <capability>hotvisor.device;models:List<String>="a,b"</capability>}. An installed
 * feature whose service is missing is looked at bundle by bundle, through its dependencies: CPU
 * hotplug does not run while the GED's bundle is stopped.
 */
@Component(service = FeatureCatalog.class)
public final class KarafFeatureCatalog implements FeatureCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(KarafFeatureCatalog.class);

    private final FeaturesService features;
    private final BundleContext bundles;

    @Activate
    public KarafFeatureCatalog(@Reference FeaturesService features, BundleContext bundles) {
        this.features = features;
        this.bundles = bundles;
    }

    @Override
    public Optional<Provider> provider(Kind kind, String name) {
        try {
            for (Feature feature : features.listFeatures()) {
                for (Capability capability : feature.getCapabilities()) {
                    if (declared(kind, capability.getValue()).anyMatch(value -> VmSpec.settingMatches(value, name))) {
                        return Optional.of(provider(feature));
                    }
                }
            }
        } catch (Exception e) {
            LOG.warn("cannot read the features repository: {}", e.toString());
        }
        return Optional.empty();
    }

    private Provider provider(Feature feature) throws Exception {
        if (!features.isInstalled(feature)) {
            return new Provider(feature.getName(), false, List.of());
        }
        Set<String> inactive = new LinkedHashSet<>();
        collectInactiveBundles(feature, new HashSet<>(), inactive);
        return new Provider(feature.getName(), true, List.copyOf(inactive));
    }

    private void collectInactiveBundles(Feature feature, Set<String> seen, Set<String> inactive) throws Exception {
        if (feature == null || !seen.add(feature.getId())) {
            return;
        }
        for (BundleInfo info : feature.getBundles()) {
            Bundle bundle = bundles.getBundle(info.getLocation());
            // A fragment never becomes active.
            if (bundle != null && bundle.getState() != Bundle.ACTIVE && bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                inactive.add(bundle.getSymbolicName());
            }
        }
        for (Dependency dependency : feature.getDependencies()) {
            Feature needed = features.getFeature(dependency.getName(), dependency.getVersion());
            collectInactiveBundles(needed != null ? needed : features.getFeature(dependency.getName()), seen, inactive);
        }
    }

    /** The values a capability clause declares as {@code kind} (none when it is another namespace). */
    static Stream<String> declared(Kind kind, String clause) {
        Matcher matcher = Pattern.compile("^\\s*" + Pattern.quote(kind.namespace) + "\\s*;.*\\b" + kind.attribute
                + "(?::List<String>)?\\s*=\\s*\"([^\"]*)\"").matcher(clause == null ? "" : clause);
        return matcher.find() ? Arrays.stream(matcher.group(1).split(",")).map(String::trim) : Stream.empty();
    }
}

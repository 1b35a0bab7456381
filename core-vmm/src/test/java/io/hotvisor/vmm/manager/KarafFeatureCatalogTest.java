package io.hotvisor.vmm.manager;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.manager.FeatureCatalog.Kind;
import io.hotvisor.vmm.manager.FeatureCatalog.Provider;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Capability;
import org.apache.karaf.features.Dependency;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

class KarafFeatureCatalogTest {
    /** Bundle symbolic name → state; the location of each is "mvn:NAME". Virtio and console are not installed. */
    private final Map<String, Integer> bundleStates = new HashMap<>(Map.of(
            "io.hotvisor.core-vmm", Bundle.ACTIVE, "io.hotvisor.acpi-ged", Bundle.ACTIVE,
            "io.hotvisor.cpu-hotplug", Bundle.ACTIVE));
    private final List<Feature> features = List.of(
            feature("hotvisor-core", List.of("io.hotvisor.core-vmm"), List.of()),
            feature("hotvisor-acpi-ged", List.of("io.hotvisor.acpi-ged"), List.of("hotvisor-core"),
                    "hotvisor.capability;names:List<String>=\"acpi-ged\""),
            feature("hotvisor-cpu-hotplug", List.of("io.hotvisor.cpu-hotplug"), List.of("hotvisor-acpi-ged"),
                    "hotvisor.device;models:List<String>=\"host-x86_64-cpu\"",
                    "hotvisor.spec;settings:List<String>=\"max-vcpus\"",
                    "hotvisor.capability;names:List<String>=\"cpu-hotplug\""),
            feature("hotvisor-virtio", List.of("io.hotvisor.virtio"), List.of("hotvisor-core"),
                    "hotvisor.device;models:List<String>=\"virtio-blk-pci,virtio-rng-pci\""),
            feature("hotvisor-console", List.of("io.hotvisor.console"), List.of(),
                    "hotvisor.spec;settings:List<String>=\"console.*\""));
    private final KarafFeatureCatalog catalog = new KarafFeatureCatalog(featuresService(), bundleContext());

    @Test
    void readsTheValuesOfItsKindAndNothingElse() {
        assertThat(KarafFeatureCatalog.declared(Kind.DEVICE_MODEL,
                "hotvisor.device;models:List<String>=\"virtio-blk-pci, virtio-rng-pci\""))
                .containsExactly("virtio-blk-pci", "virtio-rng-pci");
        assertThat(KarafFeatureCatalog.declared(Kind.DEVICE_MODEL, "hotvisor.device;models=\"host-x86_64-cpu\""))
                .containsExactly("host-x86_64-cpu");
        assertThat(KarafFeatureCatalog.declared(Kind.SPEC_SETTING, "hotvisor.spec;settings:List<String>=\"max-vcpus,qmp.*\""))
                .containsExactly("max-vcpus", "qmp.*");
        assertThat(KarafFeatureCatalog.declared(Kind.CAPABILITY, "hotvisor.capability;names:List<String>=\"acpi-ged\""))
                .containsExactly("acpi-ged");
        assertThat(KarafFeatureCatalog.declared(Kind.SPEC_SETTING, "hotvisor.device;models=\"max-vcpus\"")).isEmpty();
        assertThat(KarafFeatureCatalog.declared(Kind.DEVICE_MODEL, "osgi.service;objectClass=\"x\"")).isEmpty();
        assertThat(KarafFeatureCatalog.declared(Kind.DEVICE_MODEL, null)).isEmpty();
    }

    @Test
    void findsTheFeatureThatDeclaresAModelASettingOrACapability() {
        assertThat(catalog.provider(Kind.DEVICE_MODEL, "host-x86_64-cpu"))
                .contains(new Provider("hotvisor-cpu-hotplug", true, List.of()));
        assertThat(catalog.provider(Kind.SPEC_SETTING, "max-vcpus"))
                .contains(new Provider("hotvisor-cpu-hotplug", true, List.of()));
        assertThat(catalog.provider(Kind.CAPABILITY, "acpi-ged")).contains(new Provider("hotvisor-acpi-ged", true, List.of()));
        assertThat(catalog.provider(Kind.DEVICE_MODEL, "virtio-rng-pci")).contains(new Provider("hotvisor-virtio", false, List.of()));
        assertThat(catalog.provider(Kind.SPEC_SETTING, "console.log")).contains(new Provider("hotvisor-console", false, List.of()));
        assertThat(catalog.provider(Kind.SPEC_SETTING, "qmp.tcp")).isEmpty();
        assertThat(catalog.provider(Kind.DEVICE_MODEL, "max-vcpus")).isEmpty();
    }

    @Test
    void anInstalledFeatureNamesItsStoppedBundlesAndThoseOfWhatItDependsOn() {
        bundleStates.put("io.hotvisor.acpi-ged", Bundle.RESOLVED);
        assertThat(catalog.provider(Kind.SPEC_SETTING, "max-vcpus"))
                .contains(new Provider("hotvisor-cpu-hotplug", true, List.of("io.hotvisor.acpi-ged")));
        bundleStates.put("io.hotvisor.cpu-hotplug", Bundle.RESOLVED);
        assertThat(catalog.provider(Kind.DEVICE_MODEL, "host-x86_64-cpu"))
                .contains(new Provider("hotvisor-cpu-hotplug", true, List.of("io.hotvisor.cpu-hotplug", "io.hotvisor.acpi-ged")));
    }

    @Test
    void theErrorSaysWhatToInstallOrStart() {
        assertThat(new Provider("hotvisor-virtio", false, List.of()).missing("device model 'virtio-rng-pci'"))
                .hasMessage("device model 'virtio-rng-pci' needs feature hotvisor-virtio, which is not installed"
                        + " (feature:install hotvisor-virtio)");
        assertThat(new Provider("hotvisor-cpu-hotplug", true, List.of("io.hotvisor.cpu-hotplug", "io.hotvisor.acpi-ged"))
                .missing("max-vcpus 4 (more than vcpus 1)"))
                .hasMessage("max-vcpus 4 (more than vcpus 1) needs feature hotvisor-cpu-hotplug, which is installed but"
                        + " not active (bundle:start io.hotvisor.cpu-hotplug io.hotvisor.acpi-ged)");
        assertThat(new Provider("hotvisor-cpu-hotplug", true, List.of()).missing("max-vcpus 4 (more than vcpus 1)"))
                .hasMessage("max-vcpus 4 (more than vcpus 1) needs feature hotvisor-cpu-hotplug, which is installed but"
                        + " not active (its bundles are active but it did not start: see log:display)");
    }

    private FeaturesService featuresService() {
        Function<String, Feature> named = name -> features.stream().filter(f -> f.getName().equals(name)).findFirst().orElse(null);
        return fake(FeaturesService.class, Map.of(
                "listFeatures", args -> features.toArray(Feature[]::new),
                "isInstalled", args -> !((Feature) args[0]).getName().equals("hotvisor-virtio")
                        && !((Feature) args[0]).getName().equals("hotvisor-console"),
                "getFeature", args -> named.apply((String) args[0])));
    }

    private BundleContext bundleContext() {
        return fake(BundleContext.class, Map.of("getBundle", args -> {
            String name = ((String) args[0]).substring("mvn:".length());
            return !bundleStates.containsKey(name) ? null : fake(Bundle.class, Map.of(
                    "getState", none -> bundleStates.get(name),
                    "getSymbolicName", none -> name,
                    "getHeaders", none -> (Dictionary<String, String>) new Hashtable<String, String>()));
        }));
    }

    /** A feature whose bundles are at "mvn:SYMBOLIC-NAME". */
    private static Feature feature(String name, List<String> bundles, List<String> dependencies,
                                   String... capabilities) {
        return fake(Feature.class, Map.of(
                "getName", args -> name,
                "getId", args -> name + "/0.1.0",
                "getBundles", args -> bundles.stream().map(bundle -> fake(BundleInfo.class,
                        Map.of("getLocation", none -> "mvn:" + bundle))).toList(),
                "getDependencies", args -> dependencies.stream().map(dependency -> fake(Dependency.class, Map.of(
                        "getName", none -> dependency, "getVersion", none -> "0.1.0"))).toList(),
                "getCapabilities", args -> Arrays.stream(capabilities).map(clause -> fake(Capability.class,
                        Map.of("getValue", none -> clause))).toList()));
    }

    /** An implementation of {@code type} that answers the methods named in {@code answers} and no others. */
    private static <T> T fake(Class<T> type, Map<String, Function<Object[], Object>> answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Function<Object[], Object> answer = answers.get(method.getName());
            if (answer == null) {
                throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName());
            }
            return answer.apply(args);
        }));
    }
}

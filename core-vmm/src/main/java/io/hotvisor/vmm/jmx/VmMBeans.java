package io.hotvisor.vmm.jmx;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmListener;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Registers one MBean per VM as an OSGi service carrying {@code jmx.objectname}; Karaf's JMX
 * whiteboard puts it into the MBean server reachable through Karaf's JMX connector.
 */
@Component(service = VmListener.class)
public final class VmMBeans implements VmListener {
    public static final String DOMAIN = "io.hotvisor";

    private final BundleContext context;
    private final Map<String, ServiceRegistration<?>> registrations = new ConcurrentHashMap<>();

    @Activate
    public VmMBeans(BundleContext context) {
        this.context = context;
    }

    /** VM names are restricted to characters that need no quoting in an ObjectName. */
    public static String objectName(String vmName) {
        return DOMAIN + ":type=VirtualMachine,name=" + vmName;
    }

    @Override
    public void created(Vm vm) {
        StandardMBean mbean;
        try {
            mbean = new StandardMBean(new VirtualMachineMBeanImpl(vm), VirtualMachineMBean.class);
        } catch (NotCompliantMBeanException e) {
            throw new IllegalStateException(e);
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("jmx.objectname", objectName(vm.name()));
        registrations.computeIfAbsent(vm.name(),
                name -> context.registerService(javax.management.DynamicMBean.class.getName(), mbean, properties));
    }

    @Override
    public void destroyed(Vm vm) {
        ServiceRegistration<?> registration = registrations.remove(vm.name());
        if (registration != null) {
            registration.unregister();
        }
    }

    @Deactivate
    void deactivate() {
        registrations.values().forEach(ServiceRegistration::unregister);
        registrations.clear();
    }
}

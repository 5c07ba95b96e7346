package io.splice4j.internal.jmx;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanConstructorInfo;

/**
 * Read-only {@code long} attributes read from suppliers when asked. A dynamic MBean, not an MXBean
 * interface, so that no package of the library must be exported to {@code java.management}.
 */
final class CountersBean implements DynamicMBean {

    private final Map<String, LongSupplier> counters;
    private final MBeanInfo info;

    CountersBean(String description, Map<String, LongSupplier> counters) {
        this.counters = new LinkedHashMap<>(counters);
        MBeanAttributeInfo[] attributes = counters.keySet().stream()
                .map(name -> new MBeanAttributeInfo(name, "long", name, true, false, false))
                .toArray(MBeanAttributeInfo[]::new);
        this.info = new MBeanInfo(CountersBean.class.getName(), description, attributes,
                new MBeanConstructorInfo[0], new MBeanOperationInfo[0], new MBeanNotificationInfo[0]);
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        LongSupplier counter = counters.get(attribute);
        if (counter == null) {
            throw new AttributeNotFoundException("no attribute " + attribute);
        }
        return counter.getAsLong();
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("read-only attribute " + attribute.getName());
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList values = new AttributeList();
        for (String name : attributes) {
            LongSupplier counter = counters.get(name);
            if (counter != null) {
                values.add(new Attribute(name, counter.getAsLong()));
            }
        }
        return values;
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) {
        throw new UnsupportedOperationException("no operations: " + actionName);
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }
}

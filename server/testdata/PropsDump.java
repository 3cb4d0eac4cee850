// PropsDump prints the properties java.util.Properties.load reads from a
// file, trimmed as ZooKeeper's QuorumPeerConfig trims them: one
// "key<TAB>value" line each, sorted, with backslash, control and non-ASCII
// chars written as a backslash, 'u' and four hex digits. config_test.go
// compares Paddock's reader with its output;
//
//	go test ./server -run TestConfigPropertiesGolden -rewrite
//
// runs `java testdata/PropsDump.java testdata/properties.cfg` (Java 11 or
// later) to regenerate testdata/properties.golden.
import java.io.FileInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;

public class PropsDump {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            props.load(in);
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<Object, Object> e : props.entrySet()) {
            lines.add(escape(e.getKey().toString().trim()) + "\t" + escape(e.getValue().toString().trim()));
        }
        Collections.sort(lines);
        for (String line : lines) {
            System.out.print(line + "\n");
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c > 0x7e || c == '\\') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}

import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.RDFXMLDocumentFormat;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.model.EntityType;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLEntity;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyCreationException;
import org.semanticweb.owlapi.model.OWLOntologyIRIMapper;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Loads ontology files with the OWL API the way Protégé does and prints what a Protégé user would trip
 * over, as one JSON document on stdout: parse errors, missing imports, unparsed triples, guessed
 * declarations, unreadable constructs, undeclared entities, illegal punning and OWL 2 DL violations.
 *
 * Why Java: Protégé is built on the OWL API, and no Python library reproduces its parser's view of an
 * RDF graph (what it cannot turn into axioms, what it had to guess). One JVM call checks all files, because
 * the JVM start dominates the run time.
 *
 * Usage: java -cp CLASSPATH OntologyCheck FILE...
 * Imports are resolved only through a catalog-v001.xml next to each file; any other import IRI is mapped
 * to a missing local file, so the check never touches the web and a web import shows up as a finding.
 */
public final class OntologyCheck {

    /** Keeps the JSON readable when a broken file yields thousands of unparsed triples. */
    private static final int MAX_ITEMS = 200;

    /** The OWL API names the placeholders for unreadable constructs in this namespace (Error1, Error2…). */
    private static final String ERROR_NAMESPACE = "http://org.semanticweb.owlapi/error#";

    private OntologyCheck() {}

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        out.append("{\"owlapi_version\":").append(quote(owlapiVersion())).append(",\"files\":[");
        for (int i = 0; i < args.length; i++) {
            if (i > 0) out.append(',');
            out.append(checkFile(new File(args[i])));
        }
        out.append("]}");
        System.out.println(out);
    }

    private static String owlapiVersion() {
        String v = OWLManager.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    /** Checks one file in a fresh manager, so one file's imports or punning never leak into another's. */
    private static String checkFile(File file) {
        long start = System.nanoTime();
        Json j = new Json();
        j.put("path", file.getPath());
        List<String> parseErrors = new ArrayList<>();
        List<String> missingImports = new ArrayList<>();
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.getIRIMappers().clear();
        manager.getIRIMappers().add(new CatalogOnlyMapper(file.getAbsoluteFile().getParentFile()));
        manager.addMissingImportListener(e -> missingImports.add(
            e.getImportedOntologyURI() + ": " + firstLine(e.getCreationException().getMessage())));
        // Protégé's defaults, except that illegal punnings are reported instead of silently repaired.
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
            .setRepairIllegalPunnings(false)
            .setReportStackTraces(false);
        OWLOntology ontology = null;
        if (!file.isFile()) {
            parseErrors.add("no such file: " + file.getPath());
        } else {
            try {
                // No format hint: Protégé lets the OWL API try every parser in turn, and so do we.
                ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(file), config);
                String expected = expectedFormatFamily(file);
                String used = manager.getOntologyFormat(ontology).getClass().getSimpleName();
                if (expected != null && !used.contains(expected)) {
                    // Some parser (typically OBO's, which accepts almost anything) read a file the parser
                    // it was written for rejects: what Protégé shows is then not what the file says.
                    parseErrors.add("read as " + manager.getOntologyFormat(ontology) + ", not " + expected + "; "
                        + diagnose(file, config, null));
                }
            } catch (OWLOntologyCreationException | RuntimeException e) {
                parseErrors.add(diagnose(file, config, e));
            }
        }
        j.put("loaded", ontology != null);
        j.putList("parse_errors", parseErrors);
        j.putList("missing_imports", missingImports);
        if (ontology != null) {
            describe(ontology, j);
            j.putList("unparsed_triples", unparsedTriples(manager, ontology));
            j.putList("guessed_declarations", guessedDeclarations(manager, ontology));
            j.putList("malformed_axioms", malformedAxioms(ontology));
            j.putList("undeclared_entities", undeclaredEntities(ontology));
            j.putList("illegal_punning", illegalPunning(ontology));
            j.putList("dl_violations", dlViolations(ontology));
        }
        j.put("millis", (System.nanoTime() - start) / 1_000_000);
        return j.toString();
    }

    /**
     * Every parser failed: parse again with the parser the file name calls for, so the message is that
     * parser's (with its line and column) rather than a list of every parser's complaint.
     */
    private static String diagnose(File file, OWLOntologyLoaderConfiguration config, Exception first) {
        OWLDocumentFormat hint = formatFor(file);
        Exception shown = first;
        if (hint != null) {
            try {
                OWLManager.createOWLOntologyManager().loadOntologyFromOntologyDocument(
                    new FileDocumentSource(file, hint), config);
            } catch (OWLOntologyCreationException | RuntimeException e) {
                shown = e;
            }
        }
        if (shown == null) return "the " + hint + " parser accepts it";
        return shown.getClass().getSimpleName() + ": " + firstLines(shown.getMessage(), 12);
    }

    /** The document-format class-name fragment a file with this name must be read with. */
    private static String expectedFormatFamily(File file) {
        String name = file.getName().toLowerCase();
        if (name.endsWith(".ttl")) return "Turtle";
        if (name.endsWith(".owl") || name.endsWith(".rdf")) return "RDFXML";
        return null;
    }

    /** The parser the file name calls for, used only to explain a failure. */
    private static OWLDocumentFormat formatFor(File file) {
        String name = file.getName().toLowerCase();
        if (name.endsWith(".ttl")) return new TurtleDocumentFormat();
        if (name.endsWith(".owl") || name.endsWith(".rdf")) return new RDFXMLDocumentFormat();
        return null;
    }

    private static void describe(OWLOntology o, Json j) {
        j.put("ontology_iri", o.getOntologyID().getOntologyIRI().map(IRI::toString).orElse(null));
        j.put("version_iri", o.getOntologyID().getVersionIRI().map(IRI::toString).orElse(null));
        j.put("format", String.valueOf(o.getOWLOntologyManager().getOntologyFormat(o)));
        j.put("axioms", o.getAxiomCount());
        j.put("logical_axioms", o.getLogicalAxiomCount());
        j.put("classes", o.classesInSignature().count());
        j.put("object_properties", o.objectPropertiesInSignature().count());
        j.put("data_properties", o.dataPropertiesInSignature().count());
        j.put("annotation_properties", o.annotationPropertiesInSignature().count());
        j.put("individuals", o.individualsInSignature().count());
        j.putList("imports", o.importsDeclarations().map(d -> d.getIRI().toString()).sorted()
            .collect(Collectors.toList()));
    }

    private static Optional<RDFParserMetaData> rdfMetaData(OWLOntologyManager m, OWLOntology o) {
        OWLDocumentFormat format = m.getOntologyFormat(o);
        if (format == null) return Optional.empty();
        Optional<OWLOntologyLoaderMetaData> meta = format.getOntologyLoaderMetaData();
        return meta.filter(RDFParserMetaData.class::isInstance).map(RDFParserMetaData.class::cast);
    }

    /** Triples the parser could not map to any axiom: Protégé drops them without a word. */
    private static List<String> unparsedTriples(OWLOntologyManager m, OWLOntology o) {
        return rdfMetaData(m, o).map(md -> md.getUnparsedTriples().map(Object::toString).sorted()
            .collect(Collectors.toList())).orElse(new ArrayList<>());
    }

    /** IRIs whose entity type the parser had to guess because nothing declared it. */
    private static List<String> guessedDeclarations(OWLOntologyManager m, OWLOntology o) {
        List<String> out = new ArrayList<>();
        rdfMetaData(m, o).ifPresent(md -> md.getGuessedDeclarations().forEach(
            (iri, type) -> out.add(iri + " guessed as " + type.getSimpleName())));
        out.sort(null);
        return out;
    }

    /**
     * Where the parser met a construct it could not read (a list where a class belongs, a broken
     * restriction), it puts a placeholder entity in its own error namespace into the axiom.
     */
    private static List<String> malformedAxioms(OWLOntology o) {
        return o.signature(Imports.INCLUDED)
            .filter(e -> e.getIRI().toString().startsWith(ERROR_NAMESPACE))
            .flatMap(e -> o.referencingAxioms(e, Imports.INCLUDED))
            .map(ax -> "unreadable construct in " + oneLine(ax.toString()))
            .sorted().distinct().collect(Collectors.toList());
    }

    private static List<String> undeclaredEntities(OWLOntology o) {
        return o.signature(Imports.INCLUDED)
            .filter(e -> !e.isBuiltIn() && !o.isDeclared(e, Imports.INCLUDED))
            .filter(e -> !e.getIRI().toString().startsWith(ERROR_NAMESPACE))
            .map(e -> e.getIRI() + " (" + e.getEntityType().getPrintName() + ")")
            .sorted().distinct().collect(Collectors.toList());
    }

    /**
     * OWL 2 DL forbids one IRI as two kinds of property, or as both class and datatype. Computed from the
     * signature as well as reported by the profile checker, so the finding names both kinds.
     */
    private static List<String> illegalPunning(OWLOntology o) {
        Map<IRI, Set<String>> kinds = new TreeMap<>();
        o.signature(Imports.INCLUDED).forEach((OWLEntity e) ->
            kinds.computeIfAbsent(e.getIRI(), k -> new TreeSet<>()).add(e.getEntityType().getPrintName()));
        List<String> out = new ArrayList<>();
        String[][] illegal = {
            {EntityType.OBJECT_PROPERTY.getPrintName(), EntityType.DATA_PROPERTY.getPrintName()},
            {EntityType.OBJECT_PROPERTY.getPrintName(), EntityType.ANNOTATION_PROPERTY.getPrintName()},
            {EntityType.DATA_PROPERTY.getPrintName(), EntityType.ANNOTATION_PROPERTY.getPrintName()},
            {EntityType.CLASS.getPrintName(), EntityType.DATATYPE.getPrintName()},
        };
        kinds.forEach((iri, types) -> {
            for (String[] pair : illegal) {
                if (types.contains(pair[0]) && types.contains(pair[1])) {
                    out.add(iri + " is both " + pair[0] + " and " + pair[1]);
                }
            }
        });
        return out;
    }

    private static List<String> dlViolations(OWLOntology o) {
        OWLProfileReport report = new OWL2DLProfile().checkOntology(o);
        Map<String, Boolean> seen = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (OWLProfileViolation v : report.getViolations()) {
            String line = v.getClass().getSimpleName() + ": " + oneLine(v.toString());
            if (seen.putIfAbsent(line, true) == null) out.add(line);
        }
        out.sort(null);
        return out;
    }

    /** Resolves imports only through catalog-v001.xml; everything else goes to a file that does not exist. */
    private static final class CatalogOnlyMapper implements OWLOntologyIRIMapper {
        private static final long serialVersionUID = 1L;
        private final Map<String, IRI> catalog = new HashMap<>();
        private final File dir;

        CatalogOnlyMapper(File dir) {
            this.dir = dir;
            File file = new File(dir, "catalog-v001.xml");
            if (!file.isFile()) return;
            try {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setNamespaceAware(true);
                NodeList uris = f.newDocumentBuilder().parse(file).getElementsByTagNameNS("*", "uri");
                for (int i = 0; i < uris.getLength(); i++) {
                    Element e = (Element) uris.item(i);
                    catalog.put(e.getAttribute("name"), IRI.create(new File(dir, e.getAttribute("uri"))));
                }
            } catch (Exception e) {
                throw new IllegalStateException("unreadable catalog " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public IRI getDocumentIRI(IRI ontologyIRI) {
            IRI local = catalog.get(ontologyIRI.toString());
            if (local != null) return local;
            if ("file".equals(ontologyIRI.getScheme())) return ontologyIRI;
            return IRI.create(new File(dir, "import-not-in-catalog-v001.xml/" + ontologyIRI.toString().hashCode()));
        }
    }

    private static String firstLine(String s) {
        return firstLines(s, 1);
    }

    private static String firstLines(String s, int n) {
        if (s == null) return "";
        String[] lines = s.split("\\R");
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < lines.length && kept.size() < n; i++) {
            String line = lines[i].strip();
            if (!line.isEmpty() && !isParserBoilerplate(line)) kept.add(line);
        }
        return String.join(" | ", kept);
    }

    /** The OWL API wraps every parse error in the same paragraph about which parsers it tried. */
    private static boolean isParserBoilerplate(String line) {
        return line.startsWith("Could not parse ontology") || line.startsWith("The following parsers")
            || line.startsWith("Detailed logs") || line.startsWith("Parser: ") || line.startsWith("----")
            || line.matches("\\d+\\) .*Parser@.*");
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }

    static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** A flat JSON object writer: enough for strings, numbers, booleans and lists of strings. */
    private static final class Json {
        private final StringBuilder b = new StringBuilder("{");

        private void key(String k) {
            if (b.length() > 1) b.append(',');
            b.append(quote(k)).append(':');
        }

        void put(String k, String v) { key(k); b.append(quote(v)); }

        void put(String k, long v) { key(k); b.append(v); }

        void put(String k, boolean v) { key(k); b.append(v); }

        void putList(String k, List<String> items) {
            key(k);
            b.append("{\"count\":").append(items.size()).append(",\"items\":[");
            for (int i = 0; i < Math.min(items.size(), MAX_ITEMS); i++) {
                if (i > 0) b.append(',');
                b.append(quote(items.get(i)));
            }
            b.append("]}");
        }

        @Override
        public String toString() { return b + "}"; }
    }
}

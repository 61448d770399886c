/*
 * JdbcTest.java — orca_fdw through pgJDBC (Debian's libpostgresql-jdbc-java),
 * as Java BI tools use it (issue 10 item 7).  Run by test/clients/run.sh
 * inside a scratch cluster (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE),
 * orca_fdw imported into schema orca, $ORCA_SIM_URL naming orca-sim;
 * argument: the simulator's ground truth of patients (simtool.py truth-tsv).
 *
 *   metadata  getTables/getColumns/ResultSetMetaData make no ORCA call (the
 *             simulator's stats); getTables with {"TABLE","VIEW"} omits the
 *             foreign tables, {"FOREIGN TABLE"} lists them (README "BI
 *             tools"); getColumns' REMARKS carry the imported comments
 *   fetch     autocommit off and setFetchSize(7): a portal is open in
 *             pg_cursors while rows arrive; rows, kanji/kana names and
 *             java.sql.Date values equal the ground truth; the same ORCA
 *             calls as the query read at once
 *   prepared  prepareThreshold=1 and 8 executions (PostgreSQL switches to a
 *             generic plan after 5 custom ones; pg_prepared_statements says
 *             so): every execution returns its ground truth and costs the
 *             ORCA calls the same value costs under a custom plan (by
 *             patient_id, kana and kanji LIKE prefixes, a create_date bound,
 *             each sent as a parameter; 3000 patients, so that a plan that
 *             enumerated them would cost more calls than a name search)
 *   timeout   setQueryTimeout(1) and Statement.cancel() while ORCA is slow
 *             end the query with 57014 while the ORCA call is still in
 *             flight, and the connection answers correctly afterwards
 * Prints PASS/FAIL lines.
 */
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class JdbcTest {
	static int failed = 0;
	static final String SIM = System.getenv("ORCA_SIM_URL").replaceAll("/$", "");
	static final HttpClient http = HttpClient.newHttpClient();
	static final int SLOW_MS = 600000; /* the suite stops the simulator long before */
	static final String SELECT = "SELECT patient_id, whole_name, whole_name_in_kana, birth_date FROM orca.patients";

	static boolean check(boolean ok, String name, Object detail) {
		if (!ok)
			failed++;
		System.out.println((ok ? "PASS" : "FAIL") + " jdbc " + name + (ok || detail == null ? "" : ": " + detail));
		System.out.flush();
		return ok;
	}

	static String sim(String method, String path, String body) throws Exception {
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(SIM + path));
		b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body))
		                                 .header("Content-Type", "application/json")
		                          : b.GET();
		return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
	}

	static int stat(String key) throws Exception {
		Matcher m = Pattern.compile("\"" + key + "\":\\s*(\\d+)").matcher(sim("GET", "/__sim/stats", null));
		if (!m.find())
			throw new IllegalStateException("no " + key + " in /__sim/stats");
		return Integer.parseInt(m.group(1));
	}

	static void reset() throws Exception { sim("POST", "/__sim/reset", null); }

	static Connection connect(boolean serverPrepare) throws SQLException {
		String host = System.getenv().getOrDefault("PGHOST", "localhost");
		Properties p = new Properties();
		p.setProperty("user", System.getenv("PGUSER"));
		p.setProperty("password", System.getenv("PGPASSWORD"));
		if (serverPrepare)
			p.setProperty("prepareThreshold", "1");
		return DriverManager.getConnection(
		    "jdbc:postgresql://" + host + ":" + System.getenv("PGPORT") + "/" + System.getenv("PGDATABASE"), p);
	}

	/* one row as "id|name|kana|date" (\N for NULL), the truth file's shape */
	static String row(ResultSet rs) throws SQLException {
		java.sql.Date d = rs.getDate(4);
		return nz(rs.getString(1)) + "|" + nz(rs.getString(2)) + "|" + nz(rs.getString(3)) + "|" +
		    (d == null ? "\\N" : d.toString());
	}
	static String nz(String s) { return s == null ? "\\N" : s; }

	static List<String> truth;
	static List<String> truthColumns;
	static java.util.Map<String, String> createDate = new java.util.HashMap<>();

	static void metadata() throws Exception {
		try (Connection c = connect(false)) {
			reset();
			DatabaseMetaData md = c.getMetaData();
			int plain = 0;
			try (ResultSet rs = md.getTables(null, "orca", "%", new String[] {"TABLE", "VIEW"})) {
				while (rs.next())
					plain++;
			}
			check(plain == 0, "getTables {TABLE, VIEW} omits the foreign tables (README: BI tools)", plain);
			List<String> foreign = new ArrayList<>();
			String remarks = null;
			try (ResultSet rs = md.getTables(null, "orca", "%", new String[] {"FOREIGN TABLE"})) {
				while (rs.next()) {
					foreign.add(rs.getString("TABLE_NAME"));
					if (rs.getString("TABLE_NAME").equals("patients"))
						remarks = rs.getString("REMARKS");
				}
			}
			check(foreign.contains("patients") && foreign.contains("admissions") && foreign.contains("meals"),
			      "getTables {FOREIGN TABLE} lists the foreign tables", foreign);
			check(remarks != null && remarks.startsWith("患者 / "), "getTables REMARKS carry the table comment", remarks);
			List<String> cols = new ArrayList<>();
			String idRemarks = null;
			try (ResultSet rs = md.getColumns(null, "orca", "patients", "%")) {
				while (rs.next()) {
					cols.add(rs.getString("COLUMN_NAME"));
					if (rs.getString("COLUMN_NAME").equals("patient_id"))
						idRemarks = rs.getString("REMARKS");
				}
			}
			check(cols.equals(truthColumns), "getColumns lists the patients columns", cols);
			check(idRemarks != null && idRemarks.startsWith("患者番号 / patient number") && idRemarks.contains("Patient_ID"),
			      "getColumns REMARKS carry the column comment", idRemarks);
			try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM orca.patients WHERE 1 = 0")) {
				ResultSetMetaData rm = rs.getMetaData();
				List<String> names = new ArrayList<>();
				for (int i = 1; i <= rm.getColumnCount(); i++)
					names.add(rm.getColumnName(i));
				check(names.equals(truthColumns) && !rs.next() && rm.getColumnType(4) == java.sql.Types.DATE,
				      "ResultSetMetaData of WHERE 1 = 0", names);
			}
			int calls = stat("total");
			check(calls == 0, "the metadata calls made no ORCA call", sim("GET", "/__sim/stats", null));
		}
	}

	static void fetchSize() throws Exception {
		List<String> atOnce = new ArrayList<>();
		int callsAtOnce;
		try (Connection c = connect(false)) {
			reset();
			try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SELECT + " ORDER BY patient_id")) {
				while (rs.next())
					atOnce.add(row(rs));
			}
			callsAtOnce = stat("total");
		}
		try (Connection c = connect(false)) {
			c.setAutoCommit(false);
			reset();
			List<String> got = new ArrayList<>();
			boolean portal = false;
			boolean dates = true;
			try (Statement s = c.createStatement()) {
				s.setFetchSize(7);
				try (ResultSet rs = s.executeQuery(SELECT + " ORDER BY patient_id")) {
					for (int i = 0; rs.next(); i++) {
						got.add(row(rs));
						Object o = rs.getObject(4);
						if (o != null && !(o instanceof java.sql.Date))
							dates = false;
						if (i == 2) {
							try (Statement o2 = c.createStatement();
							     ResultSet cr = o2.executeQuery("SELECT count(*) FROM pg_cursors WHERE statement LIKE '%orca.patients%'")) {
								cr.next();
								portal = cr.getInt(1) > 0;
							}
						}
					}
				}
			}
			int calls = stat("total");
			c.rollback();
			check(portal, "setFetchSize(7) reads through an open portal (pg_cursors)", null);
			check(got.equals(truth), "fetched rows equal the ground truth (" + truth.size() + " rows)", firstDiff(got, truth));
			check(atOnce.equals(truth), "rows read at once equal the ground truth", firstDiff(atOnce, truth));
			check(dates, "dates arrive as java.sql.Date", null);
			check(calls == callsAtOnce && calls > 0, "the fetch-size read costs the ORCA calls of the query read at once",
			      calls + " calls with setFetchSize(7), " + callsAtOnce + " at once");
		}
	}

	static String firstDiff(List<String> got, List<String> want) {
		for (int i = 0; i < Math.min(got.size(), want.size()); i++)
			if (!got.get(i).equals(want.get(i)))
				return "row " + i + ": got " + got.get(i) + ", want " + want.get(i);
		return "got " + got.size() + " rows, want " + want.size();
	}

	interface Want { boolean matches(String truthRow, String value); }

	/* The ORCA calls of one execution of `sql` with `v` under a custom plan: a
	 * statement executed once on a connection that prepares on the server only
	 * from the fifth use is planned with its value (PostgreSQL's unnamed statement). */
	static int customCalls(Connection c, String sql, String v) throws Exception {
		int before = stat("total");
		try (PreparedStatement ps = c.prepareStatement(sql)) {
			ps.setString(1, v);
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
				}
			}
		}
		return stat("total") - before;
	}

	static void prepared(String name, String where, List<String> values, Want want) throws Exception {
		String sql = SELECT + " WHERE " + where + " ORDER BY patient_id";
		try (Connection c = connect(true); Connection cc = connect(false); PreparedStatement ps = c.prepareStatement(sql)) {
			List<Integer> calls = new ArrayList<>(), custom = new ArrayList<>();
			boolean rowsOk = true;
			String bad = null;
			for (String v : values) {
				List<String> expect = new ArrayList<>();
				for (String t : truth)
					if (want.matches(t, v))
						expect.add(t);
				int before = stat("total");
				ps.setString(1, v);
				List<String> got = new ArrayList<>();
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next())
						got.add(row(rs));
				}
				calls.add(stat("total") - before);
				custom.add(customCalls(cc, sql, v));
				if (!got.equals(expect) || expect.isEmpty()) {
					rowsOk = false;
					bad = v + ": " + firstDiff(got, expect);
				}
			}
			long generic = 0;
			try (Statement s = c.createStatement();
			     ResultSet rs = s.executeQuery("SELECT coalesce(max(generic_plans), 0) FROM pg_prepared_statements WHERE statement LIKE '%orca.patients%'")) {
				rs.next();
				generic = rs.getLong(1);
			}
			check(rowsOk, name + ": every execution returns its ground truth", bad);
			check(generic > 0, name + ": PostgreSQL switched to a generic plan (pg_prepared_statements)", generic + " generic plans");
			System.out.println("INFO jdbc " + name + ": ORCA calls per execution " + calls + ", under custom plans " + custom);
			/* A generic plan chooses its ORCA calls from the bound value at
			 * execution: every execution, before and after the switch, costs
			 * what the same value costs under a custom plan (were the strategy
			 * fixed at plan time, the generic executions would enumerate). */
			check(calls.equals(custom), name + ": every execution, after the generic-plan switch too, costs the ORCA calls of a custom plan",
			      "calls per execution " + calls + ", custom " + custom);
		}
	}

	static void slowCancelled(String name, Connection c, boolean useTimeout) throws Exception {
		String pid = truth.get(truth.size() / 2).split("\\|")[0];
		int baseline = stat("in_flight");
		sim("POST", "/__sim/fault", "{\"mode\":\"slow\",\"count\":1,\"delay_ms\":" + SLOW_MS + "}");
		String state = null;
		List<String> got = null;
		long t0 = System.nanoTime();
		try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE patient_id = ?")) {
			ps.setString(1, pid);
			Thread canceller = null;
			if (useTimeout) {
				ps.setQueryTimeout(1);
			} else {
				canceller = new Thread(() -> {
					try {
						long deadline = System.nanoTime() + 20_000_000_000L;
						while (System.nanoTime() < deadline && stat("in_flight") <= baseline)
							Thread.sleep(20);
						ps.cancel();
					} catch (Exception e) {
						System.out.println("INFO jdbc canceller: " + e);
					}
				});
				canceller.start();
			}
			try (ResultSet rs = ps.executeQuery()) {
				got = new ArrayList<>();
				while (rs.next())
					got.add(row(rs));
			} catch (SQLException e) {
				state = e.getSQLState();
			}
			if (canceller != null)
				canceller.join();
		}
		double elapsed = (System.nanoTime() - t0) / 1e9;
		int still = stat("in_flight");
		System.out.printf("INFO jdbc %s: returned after %.2f s (not asserted), sqlstate %s%n", name, elapsed, state);
		check(got == null && "57014".equals(state), name + " ends the query with 57014", "rows " + got + ", sqlstate " + state);
		check(still > baseline, name + " returns while the ORCA call is still in flight", "in flight " + still + ", before " + baseline);
		List<String> expect = new ArrayList<>();
		for (String t : truth)
			if (t.startsWith(pid + "|"))
				expect.add(t);
		List<String> after = new ArrayList<>();
		try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE patient_id = ?")) {
			ps.setString(1, pid);
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next())
					after.add(row(rs));
			}
		}
		check(after.equals(expect), name + ": the connection answers correctly afterwards", firstDiff(after, expect));
	}

	public static void main(String[] args) throws Exception {
		truth = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
		/* the fifth field, create_date, only filters the truth of the date-window test */
		for (String l : truth) {
			String[] f = l.split("\t");
			createDate.put(f[0], f[4]);
		}
		truth.replaceAll(l -> l.substring(0, l.lastIndexOf('\t')).replace('\t', '|'));
		truthColumns = Files.readAllLines(Paths.get(args[0] + ".columns"), StandardCharsets.UTF_8);
		List<Runnable> tests = new ArrayList<>();
		tests.add(() -> run(JdbcTest::metadata));
		tests.add(() -> run(JdbcTest::fetchSize));
		/* 8 patients spread over the table; kana prefixes of 2 characters */
		List<String> ids = new ArrayList<>(), kana = new ArrayList<>(), family = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			String[] f = truth.get(i * truth.size() / 8 + 3).split("\\|");
			ids.add(f[0]);
			kana.add(f[2].substring(0, Math.min(2, f[2].length())) + "%");
			family.add(f[1].split("\u3000")[0] + "%"); /* the family name in kanji */
		}
		tests.add(() -> run(() -> prepared("patient_id = ?", "patient_id = ?", ids, (t, v) -> t.startsWith(v + "|"))));
		tests.add(() -> run(() -> prepared("whole_name_in_kana LIKE ?", "whole_name_in_kana LIKE ?", kana,
		                                   (t, v) -> t.split("\\|")[2].startsWith(v.substring(0, v.length() - 1)))));
		tests.add(() -> run(() -> prepared("whole_name LIKE ?", "whole_name LIKE ?", family,
		                                   (t, v) -> t.split("\\|")[1].startsWith(v.substring(0, v.length() - 1)))));
		List<String> since = new ArrayList<>();
		for (int i = 0; i < 8; i++)
			since.add(String.format("2026-%02d-01", 3 + i));
		tests.add(() -> run(() -> prepared("create_date >= ?::date", "create_date >= ?::date", since, (t, v) -> {
			String d = createDate.get(t.split("\\|")[0]);
			return !d.equals("\\N") && d.compareTo(v) >= 0;
		})));
		tests.add(() -> run(() -> { try (Connection c = connect(false)) { slowCancelled("setQueryTimeout(1)", c, true); } }));
		tests.add(() -> run(() -> { try (Connection c = connect(false)) { slowCancelled("Statement.cancel()", c, false); } }));
		for (Runnable t : tests)
			t.run();
		System.out.println("DONE jdbc");
		System.exit(failed == 0 ? 0 : 1);
	}

	interface Body { void run() throws Exception; }
	static void run(Body b) {
		try {
			b.run();
		} catch (Exception e) {
			check(false, "test raised", e.toString());
		}
	}
}
